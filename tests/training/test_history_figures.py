"""Per-run figures: every format, titled with the run, axes with units and the loss's name."""

from __future__ import annotations

import numpy as np
import pandas as pd

from qml_entanglement.history_figures import plot_history


def _history() -> pd.DataFrame:
    epochs = np.arange(6)
    return pd.DataFrame(
        {
            "epoch": epochs,
            "loss": 1 / (1 + epochs),
            "von_neumann_entropy": epochs / 10,
            "von_neumann_entropy_std": np.full(6, 0.01),
        }
    )


def test_figures_come_in_every_format_with_titles_and_units(tmp_path):
    paths = plot_history(
        _history(),
        ("von_neumann_entropy",),
        tmp_path,
        title="vqc-blobs cluster_std=2.0 seed=3",
        loss_name="cross_entropy",
    )
    names = sorted(p.name for p in paths)
    stems = ("loss_vs_epoch", "von_neumann_entropy_vs_epoch", "von_neumann_entropy_vs_loss")
    assert names == sorted(f"{s}.{f}" for s in stems for f in ("png", "svg", "pdf"))
    svg = (tmp_path / "von_neumann_entropy_vs_loss.svg").read_text()
    assert "vqc-blobs cluster_std=2.0 seed=3" in svg  # the run, in the title
    assert "mean single-qubit entropy (bits)" in svg  # the unit
    assert "training loss (cross entropy)" in svg  # which loss
    assert (tmp_path / "loss_vs_epoch.pdf").read_bytes().startswith(b"%PDF")


def test_formats_can_be_limited(tmp_path):
    paths = plot_history(_history(), (), tmp_path, formats=("png",))
    assert [p.name for p in paths] == ["loss_vs_epoch.png"]
