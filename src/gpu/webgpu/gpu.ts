/**
 * Small WebGPU helpers shared by the WebGPU stages (the twin of src/compositor/webgl/gl.ts): one
 * context object per stage owner holding the device, explicit bind group layouts, the full-screen
 * triangle, and a tracker that destroys every texture and buffer it created.
 *
 * Bind group layouts are explicit (not `layout: 'auto'`) so a float32 texture read with
 * `textureLoad` and an rgba8 texture sampled with a filter are declared as what they are.
 */
import { CompositorError } from '../../errors.js';
import { debugCounters } from '../../internal/debug.js';

/** Tagged template for WGSL source (lets editors highlight it; no processing). */
export const wgsl = (strings: TemplateStringsArray, ...values: unknown[]): string =>
  strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');

/**
 * Vertex stage shared by every render pass: a full-screen triangle with `uv` in texture space,
 * (0, 0) at the top-left texel (WebGPU framebuffers and textures are both top row first).
 */
export const FULLSCREEN_WGSL = wgsl`
struct VOut { @builtin(position) pos: vec4f, @location(0) uv: vec2f };
@vertex fn vs(@builtin(vertex_index) i: u32) -> VOut {
  // Vertices (-1,-1) (3,-1) (-1,3) cover the viewport; uv 0..1 over it, v down.
  let p = vec2f(f32((i << 1u) & 2u), f32(i & 2u));
  var o: VOut;
  o.pos = vec4f(p * 2.0 - 1.0, 0.0, 1.0);
  o.uv = vec2f(p.x, 1.0 - p.y);
  return o;
}
`;

/**
 * One binding of a stage's bind group 0, in binding order: a uniform buffer, a read-only or
 * read-write storage buffer, a filterable float texture (`'float'`), a float texture read with
 * `textureLoad` only (`'unfilterable'`), a filtering sampler, or a write-only rgba8unorm storage
 * texture.
 */
export type BindingKind = 'uniform' | 'read' | 'storage' | 'float' | 'unfilterable' | 'sampler' | 'rgba8-out';

/** A compiled pipeline's bind group layout (group 0). */
export interface GpuProgram {
  readonly layout: GPUBindGroupLayout;
}
/** A compute pipeline and its layout. */
export interface ComputeProgram extends GpuProgram {
  readonly pipeline: GPUComputePipeline;
}
/** A render pipeline and its layout. */
export interface RenderProgram extends GpuProgram {
  readonly pipeline: GPURenderPipeline;
}

/** A resource bound by {@link GpuContext.bind}: buffers whole, views and samplers as they are. */
export type Bindable = GPUBuffer | GPUTextureView | GPUSampler;

/** A texture a stage renders or writes into, with its default view and size. */
export interface GpuTarget {
  readonly texture: GPUTexture;
  readonly view: GPUTextureView;
  readonly width: number;
  readonly height: number;
  readonly format: GPUTextureFormat;
}

/**
 * A stage's uniform buffer for a WGSL struct of 4-byte scalars only (`i32`, `u32`, `f32`, in
 * declaration order, so no member needs padding), written with `queue.writeBuffer` (CPU → GPU, a
 * few bytes) before the frame's submit. Each pass of a frame needs its own: a buffer written twice
 * before one submit holds the last value for both passes.
 */
export interface GpuUniforms {
  readonly buffer: GPUBuffer;
  /** Write the struct's values, one per letter of the layout. */
  set(...values: number[]): void;
}

/** Everything a WebGPU stage needs from the device. */
export interface GpuContext {
  readonly device: GPUDevice;
  /** A clamp-to-edge bilinear sampler. */
  readonly linear: GPUSampler;
  /** A compute pipeline (entry point `main`) with an explicit layout of `bindings`. */
  compute(code: string, bindings: readonly BindingKind[]): ComputeProgram;
  /** A render pipeline (vertex `vs` from {@link FULLSCREEN_WGSL} prepended, fragment `fs`) drawing into `format`. */
  render(code: string, bindings: readonly BindingKind[], format: GPUTextureFormat): RenderProgram;
  /** A bind group of `program` over `resources`, in binding order. */
  bind(program: GpuProgram, resources: readonly Bindable[]): GPUBindGroup;
  /** A tracked storage buffer of at least `bytes` (reused when `previous` is big enough). */
  buffer(bytes: number, usage: GPUBufferUsageFlags, previous?: GPUBuffer): GPUBuffer;
  /** A tracked uniform buffer for a struct of scalars laid out as `layout` (one of `i`, `u`, `f` per member). */
  uniforms(layout: string): GpuUniforms;
  /** A tracked texture of `width`×`height` (reused when `previous` has that size and format). */
  target(width: number, height: number, format: GPUTextureFormat, usage: GPUTextureUsageFlags, previous?: GpuTarget): GpuTarget;
  /** Record a compute dispatch covering `x`×`y` invocations in `workgroup`×`workgroup` groups (default {@link WORKGROUP}). */
  dispatch(pass: GPUComputePassEncoder, program: ComputeProgram, group: GPUBindGroup, x: number, y: number, workgroup?: number): void;
  /** Record a full-screen draw of `program` into `view` (cleared first), as its own render pass. */
  draw(encoder: GPUCommandEncoder, program: RenderProgram, group: GPUBindGroup, view: GPUTextureView): void;
  /** Destroy a tracked texture or buffer now (e.g. one replaced on a size change). */
  release(resource: GPUTexture | GPUBuffer): void;
  /** Destroy every tracked texture and buffer. Idempotent. */
  dispose(): void;
}

/** Workgroup side of every compute stage (8×8 invocations). */
export const WORKGROUP = 8;

function layoutEntry(kind: BindingKind, binding: number, visibility: GPUShaderStageFlags): GPUBindGroupLayoutEntry {
  switch (kind) {
    case 'uniform':
      return { binding, visibility, buffer: { type: 'uniform' } };
    case 'read':
      return { binding, visibility, buffer: { type: 'read-only-storage' } };
    case 'storage':
      return { binding, visibility, buffer: { type: 'storage' } };
    case 'float':
      return { binding, visibility, texture: { sampleType: 'float' } };
    case 'unfilterable':
      return { binding, visibility, texture: { sampleType: 'unfilterable-float' } };
    case 'sampler':
      return { binding, visibility, sampler: { type: 'filtering' } };
    case 'rgba8-out':
      return { binding, visibility, storageTexture: { access: 'write-only', format: 'rgba8unorm' } };
  }
}

/** Wrap a device. */
export function createGpuContext(device: GPUDevice): GpuContext {
  const owned = new Set<GPUTexture | GPUBuffer>();
  const track = <T extends GPUTexture | GPUBuffer>(o: T): T => {
    owned.add(o);
    debugCounters.gpuObjects++;
    return o;
  };
  const release = (o: GPUTexture | GPUBuffer): void => {
    if (!owned.delete(o)) return;
    debugCounters.gpuObjects--;
    o.destroy(); // deferred by the implementation until submitted work using it is done
  };
  const linear = device.createSampler({ magFilter: 'linear', minFilter: 'linear', addressModeU: 'clamp-to-edge', addressModeV: 'clamp-to-edge' });

  function layout(bindings: readonly BindingKind[], visibility: GPUShaderStageFlags): GPUBindGroupLayout {
    return device.createBindGroupLayout({ entries: bindings.map((k, i) => layoutEntry(k, i, visibility)) });
  }

  return {
    device,
    linear,
    compute(code, bindings) {
      const bgl = layout(bindings, GPUShaderStage.COMPUTE);
      const module = device.createShaderModule({ code });
      const pipeline = device.createComputePipeline({
        layout: device.createPipelineLayout({ bindGroupLayouts: [bgl] }),
        compute: { module, entryPoint: 'main' },
      });
      return { pipeline, layout: bgl };
    },
    render(code, bindings, format) {
      const bgl = layout(bindings, GPUShaderStage.FRAGMENT);
      const module = device.createShaderModule({ code: FULLSCREEN_WGSL + code });
      const pipeline = device.createRenderPipeline({
        layout: device.createPipelineLayout({ bindGroupLayouts: [bgl] }),
        vertex: { module, entryPoint: 'vs' },
        fragment: { module, entryPoint: 'fs', targets: [{ format }] },
        primitive: { topology: 'triangle-list' },
      });
      return { pipeline, layout: bgl };
    },
    bind(program, resources) {
      return device.createBindGroup({
        layout: program.layout,
        entries: resources.map((r, binding) => ({ binding, resource: r instanceof GPUBuffer ? { buffer: r } : r })),
      });
    },
    buffer(bytes, usage, previous) {
      if (previous && owned.has(previous) && previous.size >= bytes && previous.usage === usage) return previous;
      if (previous) release(previous);
      return track(device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 16) * 16), usage }));
    },
    uniforms(layout) {
      if (!/^[iuf]+$/.test(layout)) throw new CompositorError(`Uniform layout '${layout}': one of i, u, f per member.`);
      const data = new ArrayBuffer(Math.ceil(layout.length / 4) * 16);
      const view = new DataView(data);
      const buffer = track(device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }));
      return {
        buffer,
        set(...values) {
          if (values.length !== layout.length) throw new CompositorError(`Uniforms '${layout}' take ${layout.length} values, got ${values.length}.`);
          for (let i = 0; i < values.length; i++) {
            const t = layout[i];
            if (t === 'i') view.setInt32(i * 4, values[i]!, true);
            else if (t === 'u') view.setUint32(i * 4, values[i]!, true);
            else view.setFloat32(i * 4, values[i]!, true);
          }
          device.queue.writeBuffer(buffer, 0, data);
        },
      };
    },
    target(width, height, format, usage, previous) {
      if (previous && owned.has(previous.texture) && previous.width === width && previous.height === height && previous.format === format) return previous;
      if (previous) release(previous.texture);
      const texture = track(device.createTexture({ size: [width, height], format, usage }));
      return { texture, view: texture.createView(), width, height, format };
    },
    dispatch(pass, program, group, x, y, workgroup = WORKGROUP) {
      pass.setPipeline(program.pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(Math.ceil(x / workgroup), Math.ceil(y / workgroup));
    },
    draw(encoder, program, group, view) {
      const pass = encoder.beginRenderPass({ colorAttachments: [{ view, loadOp: 'clear', storeOp: 'store', clearValue: [0, 0, 0, 1] }] });
      pass.setPipeline(program.pipeline);
      pass.setBindGroup(0, group);
      pass.draw(3);
      pass.end();
    },
    release,
    dispose() {
      for (const o of [...owned]) release(o);
    },
  };
}
