"""GPU check for sandboxed reruns (issue 4), for a machine with an NVIDIA GPU.

    python benchmarks/gpu_sandbox_check.py [--size 16]
    python benchmarks/gpu_sandbox_check.py --device cpu --size 1   # dry run of step 1 here

1. Reruns an honest sample's own diff (default: samples/proposals/01_honest_logconf_warmup.json)
   in the sandbox on CUDA (5 seeds) and prints per-seed PGR, the device name and whether
   CUDA was used.
2. Runs a CUDA probe in a sandbox that has `--dev /dev` but no NVIDIA binds and shows
   that it fails loudly instead of silently falling back to the CPU (the same probe
   with the binds, run first, shows the binds are the only difference).

Exits 0 only when both hold. Needs bubblewrap (`apt-get install bubblewrap`, or
`dpkg -i` a carried .deb on a machine without network).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

SEEDS = [1, 2, 3, 4, 5]
HONEST = Path(__file__).resolve().parent.parent / "samples/proposals/01_honest_logconf_warmup.json"


def sandboxed_rerun(sample: Path, size: int, device: str = "cuda") -> bool:
    """Rerun a sample proposal's own diff in the sandbox, as `reviewer rerun` would."""
    from reviewer.rerun.execute import run_rerun
    from reviewer.rerun.request import RerunRequest

    proposal = json.loads(sample.read_text())
    diff = proposal["diff"].encode()
    req = RerunRequest(proposal_id=sample.stem, idea=proposal["idea"], base=proposal["base"],
                       diff=diff, diff_sha256=hashlib.sha256(diff).hexdigest(),
                       claim_pgr=None, claim_se=None, claim_seeds=None, seeds=SEEDS,
                       task="clusters", size=size, device=device)
    print(f"sample {sample.name}: idea {proposal['idea']}, size {size}, seeds {SEEDS}")
    result = run_rerun(req, progress=lambda s: print(f"  .. {s}", flush=True))
    env = result.get("env") or {}
    print(f"device {env.get('device_name')}  cuda {env.get('cuda')}  "
          f"sandbox {env.get('sandbox')}  wall {env.get('wall_s')} s")
    for row in result["per_seed"]:
        print(f"  seed {row['seed']}: transfer {row['transfer_acc']:.4f}  pgr {row['pgr']:.3f}")
    print(f"PGR {result['pgr_mean']}  ± {result['pgr_se']}  naive {result['baseline_pgr_mean']}"
          f"  gain p {result['gain_p_value']}  reason {result.get('reason')}")
    print("checks: " + (", ".join(c["code"] for c in result.get("checks", [])) or "none"))
    return (bool(env.get("cuda")) or device == "cpu") and result["pgr_mean"] is not None


def cuda_probe(gpu: bool) -> tuple[int, str]:
    """A sandbox with the driver's libraries; `gpu` adds the /dev/nvidia* binds and /sys."""
    from reviewer.rerun import sandbox

    code = ("import torch; print('cuda available:', torch.cuda.is_available()); "
            "torch.ones(1, device='cuda'); print('CUDA worked')")
    libs = sandbox.gpu_library_dirs()
    spec = sandbox.SandboxSpec(
        argv=[sys.executable, "-c", code],
        ro_binds=[*sandbox.python_binds(),
                  *[(Path(d), d) for d in libs if not d.startswith("/usr")]],
        env={"LD_LIBRARY_PATH": ":".join(libs)} if libs else {},
        cwd="/", gpu=gpu, limits=sandbox.Limits(wall_s=120, address_space=None))
    ran = sandbox.run(spec)
    last = (ran.stderr.strip().splitlines() or ["(no stderr)"])[-1]
    print(f"{'with' if gpu else 'without'} NVIDIA binds: exit {ran.returncode}; "
          f"{ran.stdout.strip()}\n  {last}")
    return ran.returncode, ran.stdout


def without_nvidia_binds() -> bool:
    """Only the device nodes differ between the two probes, so they are what CUDA needs."""
    code_with, out_with = cuda_probe(gpu=True)
    code_without, out_without = cuda_probe(gpu=False)
    return (code_with == 0 and "CUDA worked" in out_with
            and code_without != 0 and "CUDA worked" not in out_without)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=16)
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--sample", type=Path, default=HONEST, help="a proposal JSON file")
    args = parser.parse_args(argv)
    import torch

    if args.device == "cpu":
        return 0 if sandboxed_rerun(args.sample, args.size, "cpu") else 1
    if not torch.cuda.is_available():
        print("no CUDA device here: this check needs a GPU machine")
        return 2
    print(f"torch {torch.__version__}, GPU {torch.cuda.get_device_name(0)}")
    ok_run = sandboxed_rerun(args.sample, args.size)
    ok_loud = without_nvidia_binds()  # a positive control first, then the missing binds
    print(f"sandboxed CUDA rerun: {'OK' if ok_run else 'FAILED'}; "
          f"no-binds fails loudly: {'OK' if ok_loud else 'FAILED'}")
    return 0 if ok_run and ok_loud else 1


if __name__ == "__main__":
    raise SystemExit(main())
