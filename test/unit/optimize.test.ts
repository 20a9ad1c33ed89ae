/// <reference types="node" />
// The load-time convolution fusion (src/models/optimize.ts): which patterns it fuses and which
// it must leave alone, on small hand-built graphs run on tfjs's CPU backend (fused and as built
// must compute the same values), and what it finds in the shipped model files.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as converter from '@tensorflow/tfjs-converter';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { constShape, fuseConvolutions, type GraphNode } from '../../src/models/optimize.js';

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

async function build(nodes: GraphNode[], weights: Record<string, number[]>): Promise<converter.GraphModel> {
  const consts = nodes.filter((n) => n.op === 'Const');
  const data = new Float32Array(consts.flatMap((n) => weights[n.name]!));
  return converter.loadGraphModel({
    load: async () => ({
      modelTopology: { node: nodes, versions: { producer: 1 } },
      weightSpecs: consts.map((n) => ({ name: n.name, shape: constShape(n)!, dtype: 'float32' as const })),
      weightData: data.buffer,
      format: 'graph-model',
    }),
  });
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
    let maxDiff = 0;
    for (let i = 0; i < da.length; i++) maxDiff = Math.max(maxDiff, Math.abs(da[i]! - db[i]!));
    expect(maxDiff).toBeLessThan(1e-6);
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
