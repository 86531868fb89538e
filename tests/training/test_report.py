"""A run's report: Markdown with every model of both protocols and the plots it links to."""
from __future__ import annotations

import re

from training import report
from training.config import ModelParams
from training.pipeline import train_and_evaluate


def test_report_has_every_model_and_every_linked_plot(sample_training_data):
    _, metrics = train_and_evaluate(sample_training_data, ModelParams(epochs=2))
    files = report.build({"run_id": "model-2026-01-01", "dataset": "sample-movielens", "ds": "2026-01-01",
                          **metrics})
    md = files["report.md"].decode()
    for protocol in ("A", "B", "B_partial"):
        for name in metrics["protocols"][protocol]:
            assert f"| {name} |" in md
    assert (f"Known users are served `{metrics['published_model']}`; new users (and known users without a "
            f"positive) `{metrics['cold_start']['model']}`") in md
    chosen = metrics["published_model"]
    assert re.search(rf"\| {re.escape(chosen)} \| {metrics['selection']['validation_ndcg@10'][chosen]:.4f} \| "
                     rf"{metrics['protocols']['A'][chosen]['ndcg@10']:.4f} \|", md)  # validation beside test
    assert "| exploration | ndcg@10 | coverage@10 | genre_diversity@10 | novelty@10 |" in md
    assert "## Cost of the train stage" in md
    step = "protocol B: lightfm_hybrid"
    assert (f"| {step} | {metrics['seconds'][step]:.1f} | {metrics['peak_mb'][step]:,.0f} |") in md
    linked = set(re.findall(r"\]\(([\w.]+\.png)\)", md))
    assert linked == {n for n in files if n.endswith(".png")} and len(linked) == 6
    assert all(files[n].startswith(b"\x89PNG") for n in linked)
