#!/usr/bin/env python3
"""GPU forward throughput of a PersonLab-family ONNX graph by batch size.

The label job batches same-sized inputs (--batch-size) so that a GPU runs several images per
forward. This measures what batching buys on a GPU for the shipped BodyPix graph, interpreting
its few operators (Conv, Clip, Transpose, Shape/Gather/Reshape, Min/Max) with PyTorch, which
GPU machines carry (no ONNX Runtime CUDA build needed). It first checks the interpretation
against ONNX Runtime on the CPU (same outputs), then times input upload + forward + output
download per batch, as the JVM does per forward.

    python3 deploy/gpu/forward_bench.py MODEL.onnx [--height 577 --width 769] [--batches 1,2,4,8,16,32]
"""
import argparse
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper


class Graph(torch.nn.Module):
    def __init__(self, model, device, dtype):
        super().__init__()
        g = model.graph
        self.consts = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in g.initializer}
        for k, v in self.consts.items():
            if v.is_floating_point():
                self.consts[k] = v.to(device=device, dtype=dtype)
        self.nodes = list(g.node)
        self.input = g.input[0].name
        self.outputs = [o.name for o in g.output]

    def forward(self, x):
        env = dict(self.consts)
        env[self.input] = x
        for n in self.nodes:
            a = {at.name: onnx.helper.get_attribute_value(at) for at in n.attribute}
            i = [env[name] if name else None for name in n.input]
            op = n.op_type
            if op == "Conv":
                w = i[1]
                b = i[2] if len(i) > 2 else None
                pads = list(a.get("pads", [0, 0, 0, 0]))
                y = i[0]
                auto = a.get("auto_pad", b"NOTSET")
                auto = auto.decode() if isinstance(auto, bytes) else auto
                if auto in ("SAME_UPPER", "SAME_LOWER"):  # TensorFlow's SAME padding
                    pads = [0, 0, 0, 0]
                    for d in range(2):
                        size, k = y.shape[2 + d], w.shape[2 + d]
                        stride = a.get("strides", [1, 1])[d]
                        dil = a.get("dilations", [1, 1])[d]
                        total = max((-(-size // stride) - 1) * stride + (k - 1) * dil + 1 - size, 0)
                        small, large = total // 2, total - total // 2
                        pads[d], pads[d + 2] = (small, large) if auto == "SAME_UPPER" else (large, small)
                if pads[0] != pads[2] or pads[1] != pads[3]:
                    y = F.pad(y, (pads[1], pads[3], pads[0], pads[2]))
                    pad = 0
                else:
                    pad = (pads[0], pads[1])
                y = F.conv2d(y, w, b, stride=tuple(a.get("strides", [1, 1])), padding=pad,
                             dilation=tuple(a.get("dilations", [1, 1])), groups=a.get("group", 1))
            elif op == "Clip":
                lo = a.get("min", None) if len(i) < 2 else float(i[1])
                hi = a.get("max", None) if len(i) < 3 else float(i[2])
                y = torch.clamp(i[0], lo, hi)
            elif op == "Transpose":
                y = i[0].permute(*a["perm"])
            elif op == "Shape":
                y = torch.tensor(list(i[0].shape), dtype=torch.int64)
            elif op == "Gather":
                y = torch.index_select(i[0], a.get("axis", 0), i[1].reshape(-1).to(i[0].device))
                if i[1].dim() == 0:
                    y = y.reshape(())
            elif op == "Reshape":
                shape = [int(s) for s in i[1].tolist()]
                shape = [i[0].shape[k] if s == 0 else s for k, s in enumerate(shape)]
                y = i[0].reshape(shape)
            elif op in ("Max", "Min"):
                y = i[0]
                for other in i[1:]:
                    other = other.to(y.device, y.dtype)
                    y = torch.maximum(y, other) if op == "Max" else torch.minimum(y, other)
            else:
                raise SystemExit("operator not interpreted: " + op)
            env[n.output[0]] = y
        return [env[o] for o in self.outputs]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--height", type=int, default=577)
    p.add_argument("--width", type=int, default=769)
    p.add_argument("--batches", default="1,2,4,8,16,32")
    p.add_argument("--seconds", type=float, default=3.0)
    args = p.parse_args()
    model = onnx.load(args.model)
    device = torch.device("cuda")
    torch.backends.cudnn.benchmark = True
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (1, args.height, args.width, 3)).astype(np.float32)

    import onnxruntime as ort
    ref = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"]).run(None, {"input": x})
    for tf32 in (False, True):  # exact fp32 convolutions, then cuDNN's default TF32 ones (timed below)
        torch.backends.cudnn.allow_tf32 = tf32
        with torch.no_grad():
            got = Graph(model, device, torch.float32)(torch.from_numpy(x).to(device))
        worst = max(float(np.max(np.abs(r - g.float().cpu().numpy()))) for r, g in zip(ref, got))
        scale = max(float(np.max(np.abs(r))) for r in ref)
        print(f"interpretation vs ONNX Runtime CPU, batch 1, TF32 {'on' if tf32 else 'off'}: "
              f"max abs difference {worst:.2e} (largest output value {scale:.1f})")

    print(f"{torch.cuda.get_device_name(0)}, input {args.height}x{args.width}")
    print("| batch | ms per forward (upload+forward+download) | ms per image | images/s |")
    print("|---|---|---|---|")
    for dtype_name, dtype in (("fp32", torch.float32), ("fp16", torch.float16)):
        g = Graph(model, device, dtype)
        for b in [int(v) for v in args.batches.split(",")]:
            host = torch.from_numpy(np.repeat(x, b, axis=0)).pin_memory()
            times = []
            with torch.no_grad():
                for _ in range(3):
                    [o.cpu() for o in g(host.to(device, non_blocking=True).to(dtype))]
                torch.cuda.synchronize()
                end = time.perf_counter() + args.seconds
                while time.perf_counter() < end:
                    t0 = time.perf_counter()
                    outs = g(host.to(device, non_blocking=True).to(dtype))
                    [o.float().cpu() for o in outs]
                    torch.cuda.synchronize()
                    times.append((time.perf_counter() - t0) * 1e3)
            ms = float(np.median(times))
            print(f"| {b} ({dtype_name}) | {ms:.2f} | {ms / b:.2f} | {1000 * b / ms:.0f} |")


if __name__ == "__main__":
    main()
