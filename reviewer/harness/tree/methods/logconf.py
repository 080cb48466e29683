"""Auxiliary confidence loss (Burns et al. 2023): mix in the student's own hard labels."""

import torch


def run(view) -> torch.LongTensor:  # noqa: ANN001
    """Train with the logconf loss on the teacher's labels and predict the test split."""
    params = view.fit(view.new_student(), view.x_transfer, view.weak_probs, view.losses.logconf)
    return view.predict_proba(params, view.x_test).argmax(dim=-1)
