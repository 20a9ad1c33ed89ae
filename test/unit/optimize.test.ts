/// <reference types="node" />
// The load-time convolution fusion (src/models/optimize.ts): which patterns it fuses and which
// it must leave alone, on small hand-built graphs run on tfjs's CPU backend (fused and as built
// must compute the same values), and what it finds in the shipped model files.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as converter from '@tensorflow/tfjs-converter';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { constShape, fuseConvolutions, optimizeGraph, rewriteBlockUpsampling, type GraphNode } from '../../src/models/optimize.js';
import { appendWeights, readWeights, type WeightSpec, type WeightValues } from '../../src/models/weights.js';

const modelsDir = new URL('../../models/', import.meta.url);
const F32 = { dtype: { type: 'DT_FLOAT' } };
const NHWC = { s: btoa('NHWC') };

function constNode(name: string, shape: number[]): GraphNode {
  return { name, op: 'Const', attr: { ...F32, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: shape.length ? { dim: shape.map((s) => ({ size: String(s) })) } : {} } } } };
}
function conv(name: string, op: 'Conv2D' | 'DepthwiseConv2dNative', x: string, filter: string, format = NHWC): GraphNode {
  return {
    name,
    op,
    input: [x, filter],
    attr: { T: F32, strides: { list: { i: ['1', '1', '1', '1'] } }, padding: { s: btoa('SAME') }, data_format: format, dilations: { list: { i: ['1', '1', '1', '1'] } } },
  };
}
function op(name: string, kind: string, ...input: string[]): GraphNode {
  return { name, op: kind, input, attr: { T: F32 } };
}
const placeholder: GraphNode = { name: 'x', op: 'Placeholder', attr: { ...F32, shape: { shape: { dim: [{ size: '1' }, { size: '6' }, { size: '6' }, { size: '3' }] } } } };

/** fused_ops of a node, decoded. */
function fusedOps(node: GraphNode | undefined): string[] {
  const list = (node?.attr?.['fused_ops']?.['list'] as { s?: string[] } | undefined)?.s ?? [];
  return list.map((s) => atob(s));
}

/**
 * A graph exercising every case: conv+bias+Relu6 (fused with activation), depthwise+bias+Sigmoid
 * (fused with activation), conv+bias feeding two consumers (bias fused, no activation), a conv
 * with a scalar add (not a bias: left alone).
 */
function testGraph(): { nodes: GraphNode[]; weights: Record<string, number[]> } {
  const nodes: GraphNode[] = [
    placeholder,
    constNode('w1', [3, 3, 3, 4]), constNode('b1', [4]),
    constNode('w2', [3, 3, 4, 2]), constNode('b2', [8]),
    constNode('w3', [1, 1, 8, 5]), constNode('b3', [5]),
    constNode('w4', [1, 1, 5, 5]), constNode('three', []),
    conv('c1', 'Conv2D', 'x', 'w1'), op('a1', 'Add', 'c1', 'b1'), op('r1', 'Relu6', 'a1'),
    conv('c2', 'DepthwiseConv2dNative', 'r1', 'w2'), op('a2', 'AddV2', 'b2', 'c2'), op('s2', 'Sigmoid', 'a2'),
    conv('c3', 'Conv2D', 's2', 'w3'), op('a3', 'Add', 'c3', 'b3'), op('r3', 'Relu', 'a3'), op('m3', 'Mul', 'a3', 'r3'),
    conv('c4', 'Conv2D', 'm3', 'w4'), op('a4', 'Add', 'c4', 'three'), op('out', 'Relu', 'a4'),
  ];
  const weights: Record<string, number[]> = {};
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  for (const n of nodes) {
    const shape = constShape(n);
    if (shape) weights[n.name] = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, n.name === 'three' ? () => 3 : rand);
  }
  return { nodes, weights };
}

const INT32 = new Set<string>();

/** Build a graph model on tfjs from nodes and const values (names in INT32 are int32 constants). */
async function build(nodes: GraphNode[], weights: Record<string, ArrayLike<number>>): Promise<converter.GraphModel> {
  const consts = nodes.filter((n) => n.op === 'Const');
  const added: WeightValues[] = consts.map((n) => ({
    name: n.name, shape: constShape(n)!, values: INT32.has(n.name) ? Int32Array.from(weights[n.name]!) : Float32Array.from(weights[n.name]!),
  }));
  const { specs, data } = appendWeights([], new ArrayBuffer(0), added);
  return converter.loadGraphModel({
    load: async () => ({ modelTopology: { node: nodes, versions: { producer: 1 } }, weightSpecs: specs, weightData: data, format: 'graph-model' }),
  });
}

/** A reader over a Record of const values, as load.ts gives optimizeGraph over the weight file. */
function reader(nodes: readonly GraphNode[], weights: Record<string, ArrayLike<number>>): (name: string) => WeightValues | undefined {
  return (name) => {
    const node = nodes.find((n) => n.name === name);
    const shape = constShape(node);
    const v = weights[name];
    return shape && v ? { name, shape, values: INT32.has(name) ? Int32Array.from(v) : Float32Array.from(v) } : undefined;
  };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

describe('fuseConvolutions', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });

  it('fuses bias adds and a following activation, and leaves everything else alone', () => {
    const { nodes } = testGraph();
    const before = JSON.stringify(nodes);
    const { nodes: out, report } = fuseConvolutions(nodes, ['out:0']);
    expect(JSON.stringify(nodes)).toBe(before); // input untouched
    const by = new Map(out.map((n) => [n.name, n]));
    expect(report).toEqual({ fused: 3, withActivation: 2, nodesBefore: nodes.length, nodesAfter: nodes.length - 5 });
    // conv + bias + Relu6 → one node named as the Relu6, reading the conv's input, filter and the bias.
    expect(by.get('r1')).toMatchObject({ op: '_FusedConv2D', input: ['x', 'w1', 'b1'] });
    expect(fusedOps(by.get('r1'))).toEqual(['BiasAdd', 'Relu6']);
    expect(by.has('c1') || by.has('a1')).toBe(false);
    // Bias as the add's first input; depthwise bias length = in × multiplier.
    expect(by.get('s2')).toMatchObject({ op: 'FusedDepthwiseConv2dNative', input: ['r1', 'w2', 'b2'] });
    expect(fusedOps(by.get('s2'))).toEqual(['BiasAdd', 'Sigmoid']);
    // The bias add has two consumers (Relu and Mul): bias fused, activation not.
    expect(by.get('a3')).toMatchObject({ op: '_FusedConv2D', input: ['s2', 'w3', 'b3'] });
    expect(fusedOps(by.get('a3'))).toEqual(['BiasAdd']);
    expect(by.get('r3')?.op).toBe('Relu');
    // A scalar add is not a bias: untouched.
    expect(by.get('c4')?.op).toBe('Conv2D');
    expect(by.get('a4')?.op).toBe('Add');
    // Strides, padding and the other attributes come from the convolution.
    expect(by.get('r1')?.attr?.['padding']).toEqual({ s: btoa('SAME') });
    expect(by.get('r1')?.attr?.['num_args']).toEqual({ i: '1' });
  });

  it('computes the same values as the graph as built (tfjs CPU backend)', async () => {
    const { nodes, weights } = testGraph();
    const plain = await build(nodes, weights);
    const fused = await build(fuseConvolutions(nodes, ['out']).nodes, weights);
    const x = tf.randomUniform([1, 6, 6, 3], -1, 1, 'float32', 3);
    const a = plain.execute(x) as tf.Tensor;
    const b = fused.execute(x) as tf.Tensor;
    expect(b.shape).toEqual([1, 6, 6, 5]);
    const da = a.dataSync();
    const db = b.dataSync();
    expect(maxAbsDiff(da, db)).toBeLessThan(1e-6);
    expect(da.some((v) => v !== 0)).toBe(true); // not a trivially zero output
    tf.dispose([a, b, x]);
    plain.dispose();
    fused.dispose();
  });

  it('never fuses away a model output, a node with a control-edge consumer, or an NCHW convolution', () => {
    const { nodes } = testGraph();
    // The convolution is an output: left alone.
    expect(fuseConvolutions(nodes, ['c1']).nodes.find((n) => n.name === 'c1')?.op).toBe('Conv2D');
    // Its bias add is an output: the bias is fused into a node of that name, the activation is not.
    const addOut = new Map(fuseConvolutions(nodes, ['a1:0']).nodes.map((n) => [n.name, n]));
    expect(fusedOps(addOut.get('a1'))).toEqual(['BiasAdd']);
    expect(addOut.get('r1')?.op).toBe('Relu6');
    // A control edge on c1 makes it a node with two consumers.
    const controlled = nodes.map((n) => (n.name === 'c2' ? { ...n, input: [...n.input!, '^c1'] } : n));
    expect(fuseConvolutions(controlled).nodes.find((n) => n.name === 'c1')?.op).toBe('Conv2D');
    // NCHW is left to the converter's own path.
    const nchw = nodes.map((n) => (n.name === 'c1' ? conv('c1', 'Conv2D', 'x', 'w1', { s: btoa('NCHW') }) : n));
    expect(fuseConvolutions(nchw).nodes.find((n) => n.name === 'c1')?.op).toBe('Conv2D');
    // A bias whose length is not the output channel count.
    const wrong = nodes.map((n) => (n.name === 'b1' ? constNode('b1', [2]) : n));
    expect(fuseConvolutions(wrong).nodes.find((n) => n.name === 'c1')?.op).toBe('Conv2D');
  });

  it('finds the 53 bias adds of the shipped selfie model and nothing in the already fused BlazePose models', () => {
    const read = (name: string) => JSON.parse(readFileSync(new URL(`${name}.json`, modelsDir), 'utf8')) as { modelTopology: { node: GraphNode[] } };
    const selfie = read('selfie').modelTopology.node;
    const { nodes, report } = fuseConvolutions(selfie, ['activation_10:0']);
    expect(report.fused).toBe(53);
    // The one convolution left feeds an AddN (a residual sum), not a bias add.
    expect(nodes.filter((n) => n.op === 'Conv2D' || n.op === 'DepthwiseConv2dNative').map((n) => n.name)).toEqual(['Conv2D_9']);
    expect(nodes.find((n) => n.name === 'activation_10')?.op).toBe('Sigmoid'); // the output stays
    for (const name of ['blazepose-detector', 'blazepose-lite', 'blazepose-full', 'blazepose-heavy']) {
      expect(fuseConvolutions(read(name).modelTopology.node).report.fused).toBe(0);
    }
  });
});

/** x [1, h, w, c] → Conv2DBackpropInput(k×k, stride `stride`) [→ bias add → activation] → out. */
function upsamplingGraph(o: { k: number; stride?: number; h: number; w: number; c: number; outC?: number; padding?: string; bias?: boolean; activation?: string; sizes?: number[] }): { nodes: GraphNode[]; weights: Record<string, number[]> } {
  const { k, h, w, c } = o;
  const stride = o.stride ?? k;
  const outC = o.outC ?? 1;
  const sizes = o.sizes ?? [1, h * stride, w * stride, outC];
  INT32.add('sizes');
  const x: GraphNode = { name: 'x', op: 'Placeholder', attr: { ...F32, shape: { shape: { dim: [1, h, w, c].map((d) => ({ size: String(d) })) } } } };
  const nodes: GraphNode[] = [
    x, { ...constNode('sizes', [4]), attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32', tensorShape: { dim: [{ size: '4' }] } } } } },
    constNode('filter', [k, k, outC, c]),
    {
      name: 't', op: 'Conv2DBackpropInput', input: ['sizes', 'filter', 'x'],
      attr: { T: F32, strides: { list: { i: ['1', String(stride), String(stride), '1'] } }, padding: { s: btoa(o.padding ?? 'SAME') }, data_format: NHWC, dilations: { list: { i: ['1', '1', '1', '1'] } } },
    },
  ];
  let last = 't';
  if (o.bias) {
    nodes.push(constNode('b', [outC]), op('add', 'Add', 't', 'b'));
    last = 'add';
  }
  if (o.activation) {
    nodes.push(op('act', o.activation, last));
    last = 'act';
  }
  nodes.push(op('out', 'Identity', last));
  let seed = 5;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const weights: Record<string, number[]> = { sizes };
  weights['filter'] = Array.from({ length: k * k * outC * c }, rand);
  if (o.bias) weights['b'] = Array.from({ length: outC }, rand);
  return { nodes, weights };
}

describe('rewriteBlockUpsampling', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });

  it.each([
    { label: 'k=2, SAME, bias + Sigmoid (the selfie model\'s last layer)', k: 2, h: 6, w: 5, c: 16, bias: true, activation: 'Sigmoid' },
    { label: 'k=2, bias, no activation', k: 2, h: 4, w: 4, c: 3, bias: true },
    { label: 'k=3, VALID, no bias, a Relu left in place', k: 3, h: 3, w: 4, c: 5, padding: 'VALID', activation: 'Relu' },
  ])('$label: equals the transposed convolution on tfjs CPU', async (g) => {
    const { nodes, weights } = upsamplingGraph(g);
    const { nodes: out, weights: added, report } = rewriteBlockUpsampling(nodes, reader(nodes, weights), ['out']);
    expect(report.rewritten).toBe(1);
    expect(out.some((n) => n.op === 'Conv2DBackpropInput')).toBe(false);
    expect(out.some((n) => n.name === 'filter')).toBe(false); // the old filter is no longer read
    const conv = out.find((n) => n.name === 't/block_upsampling/conv');
    expect(conv?.op).toBe(g.bias ? '_FusedConv2D' : 'Conv2D');
    if (g.bias) expect(fusedOps(conv)).toEqual(g.activation ? ['BiasAdd', g.activation] : ['BiasAdd']);
    else expect(out.find((n) => n.name === 'act')?.op).toBe('Relu');
    const all = { ...weights, ...Object.fromEntries(added.map((w) => [w.name, Array.from(w.values)])) };
    for (const w of added) if (w.values instanceof Int32Array) INT32.add(w.name);
    const plain = await build(nodes, weights);
    const rewritten = await build(out, all);
    const x = tf.randomUniform([1, g.h, g.w, g.c], -1, 1, 'float32', 9);
    const a = tf.tidy(() => (plain.execute(x) as tf.Tensor).dataSync());
    const b = tf.tidy(() => (rewritten.execute(x, 'out') as tf.Tensor).dataSync());
    expect(b.length).toBe(g.h * g.k * g.w * g.k);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    expect(Math.max(...a) - Math.min(...a)).toBeGreaterThan(0.1);
    tf.dispose(x);
    plain.dispose();
    rewritten.dispose();
  });

  it('leaves alone overlapping kernels, several output channels, unreadable constants and outputs', () => {
    const count = (g: { nodes: GraphNode[]; weights: Record<string, number[]> }, outputs = ['out'], read = reader(g.nodes, g.weights)) =>
      rewriteBlockUpsampling(g.nodes, read, outputs).report.rewritten;
    expect(count(upsamplingGraph({ k: 2, h: 4, w: 4, c: 3 }))).toBe(1);
    expect(count(upsamplingGraph({ k: 3, stride: 2, h: 4, w: 4, c: 3 }))).toBe(0); // overlapping
    expect(count(upsamplingGraph({ k: 2, h: 4, w: 4, c: 3, outC: 2 }))).toBe(0);
    expect(count(upsamplingGraph({ k: 2, h: 4, w: 4, c: 3, sizes: [1, 9, 8, 1] }))).toBe(0); // not a multiple of k
    const g = upsamplingGraph({ k: 2, h: 4, w: 4, c: 3 });
    expect(count(g, ['out'], () => undefined)).toBe(0);
    // The transposed convolution is itself an output: rewritten under its own name, nothing fused into it.
    const asOutput = upsamplingGraph({ k: 2, h: 4, w: 4, c: 3, bias: true });
    const r = rewriteBlockUpsampling(asOutput.nodes, reader(asOutput.nodes, asOutput.weights), ['t']);
    expect(r.report.rewritten).toBe(1);
    expect(r.nodes.find((n) => n.name === 't')?.op).toBe('Reshape');
    expect(r.nodes.find((n) => n.name === 'add')?.op).toBe('Add');
  });

  it('on the shipped selfie model: the logits before the final sigmoid equal the graph as shipped', async () => {
    const json = JSON.parse(readFileSync(new URL('selfie.json', modelsDir), 'utf8')) as {
      modelTopology: { node: GraphNode[] }; weightsManifest: Array<{ weights: WeightSpec[] }>;
    };
    const bin = readFileSync(new URL('selfie.bin', modelsDir));
    const data = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
    const specs = json.weightsManifest[0]!.weights;
    // Keep the bias add as an output so its logits can be read (the sigmoid then stays apart).
    const result = optimizeGraph({ nodes: json.modelTopology.node, outputs: ['segment_add'], read: (n) => readWeights(specs, data, [n]).get(n) });
    expect(result.fusion.fused).toBe(53);
    expect(result.upsampling.rewritten).toBe(1);
    const appended = appendWeights(specs, data, result.weights);
    const load = (nodes: GraphNode[], weightSpecs: WeightSpec[], weightData: ArrayBuffer) =>
      converter.loadGraphModel({ load: async () => ({ modelTopology: { ...json.modelTopology, node: nodes }, weightSpecs, weightData, format: 'graph-model' }) });
    const shipped = await load(json.modelTopology.node, specs, data);
    const optimized = await load(result.nodes, appended.specs, appended.data);
    const input = tf.randomUniform([1, 256, 256, 3], 0, 1, 'float32', 4);
    const a = tf.tidy(() => (shipped.execute(input, 'segment_add') as tf.Tensor).dataSync());
    const b = tf.tidy(() => (optimized.execute(input, 'segment_add') as tf.Tensor).dataSync());
    expect(b.length).toBe(256 * 256);
    expect(maxAbsDiff(a, b) / (Math.max(...a.map(Math.abs)) || 1)).toBeLessThan(1e-5);
    expect(Math.max(...a) - Math.min(...a)).toBeGreaterThan(2);
    input.dispose();
    shipped.dispose();
    optimized.dispose();
  });
});

describe('readWeights / appendWeights', () => {
  it('reads float32, float16-quantised, uint8-quantised and int32 weights at their offsets, and appends', () => {
    // float16: 1.5 = 0x3e00, -2 = 0xc000, 2^-24 (smallest subnormal) = 0x0001.
    const bytes = new Uint8Array(4 * 2 + 2 * 3 + 2 + 4 * 2);
    const view = new DataView(bytes.buffer);
    view.setFloat32(0, 0.25, true); view.setFloat32(4, -7, true);
    view.setUint16(8, 0x3e00, true); view.setUint16(10, 0xc000, true); view.setUint16(12, 0x0001, true);
    view.setUint8(14, 0); view.setUint8(15, 10);
    view.setInt32(16, -3, true); view.setInt32(20, 42, true);
    const specs: WeightSpec[] = [
      { name: 'f32', shape: [2], dtype: 'float32' },
      { name: 'f16', shape: [3], dtype: 'float32', quantization: { dtype: 'float16' } },
      { name: 'u8', shape: [2], dtype: 'float32', quantization: { dtype: 'uint8', min: -1, scale: 0.5 } },
      { name: 'i32', shape: [2], dtype: 'int32' },
    ];
    const read = readWeights(specs, bytes.buffer, ['f32', 'f16', 'u8', 'i32', 'missing']);
    expect(Array.from(read.get('f32')!.values)).toEqual([0.25, -7]);
    expect(Array.from(read.get('f16')!.values)).toEqual([1.5, -2, 2 ** -24]);
    expect(Array.from(read.get('u8')!.values)).toEqual([-1, 4]);
    expect(read.get('i32')!.values).toEqual(Int32Array.of(-3, 42));
    expect(read.has('missing')).toBe(false);
    const { specs: s2, data } = appendWeights(specs, bytes.buffer, [{ name: 'new', shape: [2], values: Float32Array.of(3, 4) }]);
    expect(s2.at(-1)).toEqual({ name: 'new', shape: [2], dtype: 'float32' });
    expect(specs).toHaveLength(4); // not modified
    expect(Array.from(readWeights(s2, data, ['new', 'i32']).get('new')!.values)).toEqual([3, 4]);
    expect(readWeights(s2, data, ['i32']).get('i32')!.values).toEqual(Int32Array.of(-3, 42));
  });
});
