"""The built-in weak-to-strong harness.

`tree/` is the exported tree agents diff against (methods, the student kit and the runner).
Everything else here is the trusted side: the salted task generator, the teacher, the
baselines cache, the scorer and the API. Importing this package does not import torch.
"""
