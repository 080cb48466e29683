"""GPU check for sandboxed reruns (issue 4), for a machine with an NVIDIA GPU.

    python benchmarks/gpu_sandbox_check.py [--size 16]

1. Runs the shipped `logconf` method as a full sandboxed rerun on CUDA (5 seeds) and
   prints per-seed PGR, the device name and whether CUDA was used.
2. Runs the same method in a sandbox that has `--dev /dev` but no NVIDIA binds and
   shows that it fails loudly instead of silently falling back to the CPU.

Exits 0 only when both hold. Needs bubblewrap (`apt-get install bubblewrap`, or
`dpkg -i` a carried .deb on a machine without network).
"""

from __future__ import annotations

import argparse
import sys

SEEDS = [1, 2, 3, 4, 5]


def sandboxed_rerun(size: int) -> bool:
    from reviewer.harness import treehash
    from reviewer.rerun.execute import run_rerun
    from reviewer.rerun.request import RerunRequest

    method = (treehash.tree_root() / "methods" / "logconf.py").read_text()
    lines = method.splitlines(keepends=True)
    diff = ("diff --git a/methods/gpu_logconf.py b/methods/gpu_logconf.py\n"
            "new file mode 100644\n--- /dev/null\n+++ b/methods/gpu_logconf.py\n"
            f"@@ -0,0 +1,{len(lines)} @@\n" + "".join("+" + line for line in lines)).encode()
    req = RerunRequest(proposal_id="gpu-check", idea="gpu_logconf",
                       base=treehash.git_tree_hash(), diff=diff, diff_sha256=None,
                       claim_pgr=None, claim_se=None, claim_seeds=None, seeds=SEEDS,
                       task="clusters", size=size, device="cuda")
    result = run_rerun(req, progress=lambda s: print(f"  .. {s}", flush=True))
    env = result.get("env") or {}
    print(f"device {env.get('device_name')}  cuda {env.get('cuda')}  "
          f"sandbox {env.get('sandbox')}  wall {env.get('wall_s')} s")
    for row in result["per_seed"]:
        print(f"  seed {row['seed']}: transfer {row['transfer_acc']:.4f}  pgr {row['pgr']:.3f}")
    print(f"PGR {result['pgr_mean']}  ± {result['pgr_se']}  reason {result.get('reason')}")
    return bool(env.get("cuda")) and result["pgr_mean"] is not None


def without_nvidia_binds() -> bool:
    from reviewer.rerun import sandbox

    code = ("import torch; print('cuda available:', torch.cuda.is_available()); "
            "torch.ones(1, device='cuda'); print('UNEXPECTED: CUDA worked')")
    spec = sandbox.SandboxSpec(argv=[sys.executable, "-c", code],
                               ro_binds=sandbox.python_binds(), cwd="/", gpu=False,
                               limits=sandbox.Limits(wall_s=120, address_space=None))
    ran = sandbox.run(spec)
    print(f"without NVIDIA binds: exit {ran.returncode}; {ran.stdout.strip()}")
    print("  " + (ran.stderr.strip().splitlines() or ["(no stderr)"])[-1])
    return ran.returncode != 0 and "UNEXPECTED" not in ran.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=16)
    args = parser.parse_args(argv)
    import torch

    if not torch.cuda.is_available():
        print("no CUDA device here: this check needs a GPU machine")
        return 2
    print(f"torch {torch.__version__}, GPU {torch.cuda.get_device_name(0)}")
    ok_run = sandboxed_rerun(args.size)
    ok_loud = without_nvidia_binds()
    print(f"sandboxed CUDA rerun: {'OK' if ok_run else 'FAILED'}; "
          f"no-binds fails loudly: {'OK' if ok_loud else 'FAILED'}")
    return 0 if ok_run and ok_loud else 1


if __name__ == "__main__":
    raise SystemExit(main())
