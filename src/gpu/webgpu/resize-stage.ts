/**
 * GPU resize of the camera texture to the model's square input, in WGSL: one bilinear tap per
 * output pixel at its centre, the same sampling as the CPU path's `toModelInput` and the WebGL
 * path's resize stage (the frame is stretched to the square, as MediaPipe does). Output: a storage
 * buffer of `size`×`size`×3 floats in 0..1, NHWC (row 0 = the top of the frame), which becomes the
 * model's input tensor without a copy (`tf.tensor({buffer, zeroCopy: true})`).
 */
import { wgsl, type GpuContext } from './gpu.js';

const CS = wgsl`
@group(0) @binding(0) var frame: texture_2d<f32>;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
struct U { w: u32, h: u32 };
@group(0) @binding(3) var<uniform> u: U;   // output size
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  if (id.x >= u.w || id.y >= u.h) { return; }
  let uv = (vec2f(id.xy) + 0.5) / vec2f(f32(u.w), f32(u.h));
  let c = textureSampleLevel(frame, samp, uv, 0.0).rgb;
  let i = (id.y * u.w + id.x) * 3u;
  dst[i] = c.r;
  dst[i + 1u] = c.g;
  dst[i + 2u] = c.b;
}`;

/** Usage tfjs requires of a buffer a tensor is made from. */
export const TENSOR_BUFFER_USAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** The resize stage. */
export interface ResizeStage {
  /** The stage's output buffer (`size`×`size`×3 floats), valid until the stage's context is disposed. */
  readonly output: GPUBuffer;
  /** Record the resize of `frame` into {@link ResizeStage.output} on `encoder`. */
  render(encoder: GPUCommandEncoder, frame: GPUTextureView): void;
}

/** Build the stage for a `size`×`size` model input (its objects are destroyed with `ctx`). */
export function createResizeStage(ctx: GpuContext, size: number): ResizeStage {
  const program = ctx.compute(CS, ['float', 'sampler', 'storage', 'uniform']);
  const output = ctx.buffer(size * size * 3 * 4, TENSOR_BUFFER_USAGE);
  const uniforms = ctx.uniforms('uu');
  uniforms.set(size, size);
  return {
    output,
    render(encoder, frame) {
      const pass = encoder.beginComputePass();
      ctx.dispatch(pass, program, ctx.bind(program, [frame, ctx.linear, output, uniforms.buffer]), size, size);
      pass.end();
    },
  };
}
