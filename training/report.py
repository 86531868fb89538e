"""The report of a model run: a Markdown page and its plots, from the run's metrics."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

from training.evaluate import KS  # noqa: E402

BARS = ("ndcg@10", "precision@10", "recall@10", "map@10", "mrr@10", "hit_rate@10")
TITLES = {"A": "protocol A (warm: newest 20% of each user's positives)",
          "B": "protocol B (cold start: 5 folds of new users, demographics only)",
          "B_partial": "protocol B, new users answering gender and age only"}


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def metric_bars(models: dict[str, dict], title: str) -> bytes:
    """Grouped bars: one group per metric at 10, one bar per model."""
    fig, ax = plt.subplots(figsize=(10, 4))
    width = 0.8 / len(models)
    for i, (name, m) in enumerate(models.items()):
        ax.bar([j + i * width for j in range(len(BARS))], [m[k] for k in BARS], width, label=name)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(BARS))], BARS)
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1, 1))
    return _png(fig)


def ndcg_curves(protocols: dict[str, dict[str, dict]]) -> bytes:
    """NDCG@k for k in KS, one panel per protocol, one line per model."""
    fig, axes = plt.subplots(1, len(protocols), figsize=(10, 4), squeeze=False)
    names = list(dict.fromkeys(n for models in protocols.values() for n in models))
    for ax, (protocol, models) in zip(axes[0], protocols.items()):
        for name, m in models.items():
            ax.plot(KS, [m[f"ndcg@{k}"] for k in KS], marker="o", label=name, color=f"C{names.index(name)}")
        ax.set_title(f"NDCG@k, protocol {protocol}")
        ax.set_xlabel("k")
        ax.set_xticks(KS)
        ax.legend(fontsize=8)
    return _png(fig)


def coverage_vs_accuracy(models: dict[str, dict]) -> bytes:
    """Catalogue coverage@10 against NDCG@10 (protocol A): accuracy bought with popularity shows left."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, m in models.items():
        ax.scatter(m["coverage@10"], m["ndcg@10"])
        ax.annotate(name, (m["coverage@10"], m["ndcg@10"]), fontsize=8)
    ax.set_xlabel("catalogue coverage@10")
    ax.set_ylabel("NDCG@10")
    ax.set_title("coverage against accuracy, protocol A")
    return _png(fig)


def segment_bars(segments: dict[str, dict[str, float]]) -> bytes:
    """Protocol B NDCG@10 per gender x age segment, one bar per model."""
    names = sorted(next(iter(segments.values())))
    fig, ax = plt.subplots(figsize=(12, 4))
    width = 0.8 / len(segments)
    for i, (model, values) in enumerate(segments.items()):
        ax.bar([j + i * width for j in range(len(names))], [values.get(n, 0.0) for n in names], width, label=model)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(names))], names, rotation=60, fontsize=7)
    ax.set_title("NDCG@10 per segment (gender | age bucket), protocol B")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1, 1))
    return _png(fig)


def exploration_plot(curve: dict[str, dict[str, float]], model: str) -> bytes:
    """NDCG@10, catalogue coverage, genre diversity and novelty of the warm model's lists per exploration level."""
    levels = [float(level) for level in curve]
    fig, ax = plt.subplots(figsize=(7, 4))
    for measure in next(iter(curve.values())):
        ax.plot(levels, [m[measure] for m in curve.values()], marker="o", label=measure)
    ax.set_xlabel("exploration")
    ax.set_title(f"exploration against accuracy, {model}, protocol A")
    ax.legend(fontsize=8)
    return _png(fig)


def _selection(metrics: dict) -> str:
    """The validation table: every model's validation and test NDCG@10, its chosen settings, the choice."""
    selection, warm = metrics["selection"], metrics["protocols"]["A"]
    rows = [f"| {name} | {v:.4f} | {_ndcg(warm.get(name))} | {_settings(metrics['settings'].get(name))} | "
            f"{'yes' if name in metrics.get('baselines', []) else 'no'} |"
            for name, v in selection["validation_ndcg@10"].items()]
    return "\n".join([*_refit_day(metrics),
        f"Served to known users: `{selection['model']}`: `{selection['reference']}` (the "
        "live configuration, or the hybrid) stays unless the paired 95% interval of another model's per-user "
        f"{selection['metric']} difference lies above zero, then the best such model. The validation "
        "split is protocol A's rule applied once more to what protocol A's models may know; the test never "
        "enters a choice. Settings (recency decay tau, EASE l2, neighbours, blend weight) were chosen on the "
        "same validation split.", "",
        "| model | validation ndcg@10 | protocol A ndcg@10 | settings chosen on validation | baseline |",
        "|---|---:|---:|---|---|", *rows])


def _refit_day(metrics: dict) -> list[str]:
    """On a refit day, whose evaluation the choices and settings are (:mod:`training.schedule`)."""
    evaluation = metrics.get("evaluation", {})
    if evaluation.get("kind") != "refit":
        return []
    return [f"**Refit day.** The settings, the served model and the cold-start model are those of the full "
            f"evaluation `{evaluation['run_id']}` (ds {evaluation['ds']}), whose validation numbers these are; "
            "this run fitted every model with them and judged the served model and the baselines on its own "
            "protocol A test (the gate's numbers), without validation or protocol B.", ""]


def _ndcg(metrics: dict | None) -> str:
    return "-" if metrics is None else f"{metrics['ndcg@10']:.4f}"


def _settings(settings: dict | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in (settings or {}).items()) or "-"


def _paired(cold: dict) -> str:
    return "| difference | mean | 95% interval | clear of zero |\n|---|---:|---|---|\n" + "\n".join(
        f"| {name} - {cold['reference']} | {p['mean_diff']:+.4f} | [{p['ci_low']:+.4f}, {p['ci_high']:+.4f}] | "
        f"{'yes' if p['clear'] else 'no'} |" for name, p in cold["paired_ndcg@10"].items())


def _cost(seconds: dict[str, float], peak_mb: dict[str, float]) -> str:
    """Seconds and peak resident memory per step."""
    rows = [f"| {step} | {s:.1f} | {_mb(peak_mb.get(step))} |" for step, s in seconds.items()]
    return "\n".join(["| step | seconds | peak memory (MB) |", "|---|---:|---:|", *rows,
                      f"| **total** | {sum(seconds.values()):.1f} | {_mb(max(peak_mb.values(), default=None))} |"])


def _mb(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


def _table(models: dict[str, dict]) -> str:
    columns = ["ndcg@5", "ndcg@10", "ndcg@25", "precision@10", "recall@10", "map@10", "mrr@10", "hit_rate@10",
               "coverage@10"]
    rows = [f"| {name} | " + " | ".join(f"{m[c]:.4f}" for c in columns) + " |" for name, m in models.items()]
    return "\n".join(["| model | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns), *rows])


def build(metrics: dict) -> dict[str, bytes]:
    """``report.md`` and its PNG plots for a run's metrics (as stored in the registry)."""
    protocols = metrics["protocols"]
    cold = metrics["cold_start"]
    files = {
        "metrics_a.png": metric_bars(protocols["A"], TITLES["A"]),
        **({"metrics_b.png": metric_bars(protocols["B"], TITLES["B"])} if "B" in protocols else {}),
        "ndcg_at_k.png": ndcg_curves(protocols),
        "coverage_vs_accuracy.png": coverage_vs_accuracy(protocols["A"]),
    }
    if metrics.get("segments_b"):
        files["segments_b.png"] = segment_bars(metrics["segments_b"])
    if metrics.get("exploration"):
        files["exploration.png"] = exploration_plot(metrics["exploration"], metrics["published_model"])
    partial = metrics.get("cold_start_partial")
    md = "\n\n".join([
        f"# Model run {metrics.get('run_id', '')}",
        f"Dataset `{metrics.get('dataset', '?')}`, ds {metrics.get('ds', '?')}. Known users are served "
        f"`{metrics['published_model']}`; new users (and known users without a positive) `{cold['model']}`.",
        *(["## Model selection (validation)", _selection(metrics)] if "selection" in metrics else []),
        f"## {TITLES['A']}", _table(protocols["A"]), "![metrics A](metrics_a.png)",
        *([f"## {TITLES['B']}", _table(protocols["B"]), "![metrics B](metrics_b.png)",
           f"Paired per-user bootstrap of the NDCG@10 difference against `{cold['reference']}`; new users are "
           f"served the model with the largest mean difference whose interval lies above zero, else "
           f"`{cold['reference']}`:", _paired(cold)] if "B" in protocols else []),
        *([f"## {TITLES['B_partial']}", _table(protocols["B_partial"]),
           f"Served to such users by the same rule: `{partial['model']}`.", _paired(partial)]
          if "B_partial" in protocols else []),
        "## NDCG@k", "![NDCG@k](ndcg_at_k.png)",
        "## Coverage against accuracy", "![coverage](coverage_vs_accuracy.png)",
        *(["## Exploration", "The `exploration` DAG param re-ranks the published lists (0 = the model's own "
           "order); what each level does to the served model's lists on protocol A:",
           _curve(metrics["exploration"]), "![exploration](exploration.png)"] if "exploration.png" in files else []),
        *(["## Per segment (protocol B)", "![segments](segments_b.png)"] if "segments_b.png" in files else []),
        *(["## Cost of the train stage", _cost(metrics["seconds"], metrics.get("peak_mb", {}))] if metrics.get("seconds") else []),
    ]) + "\n"
    return {"report.md": md.encode(), **files}


def _curve(curve: dict[str, dict[str, float]]) -> str:
    measures = list(next(iter(curve.values())))
    rows = [f"| {level} | " + " | ".join(f"{m[k]:.4f}" for k in measures) + " |" for level, m in curve.items()]
    return "\n".join(["| exploration | " + " | ".join(measures) + " |", "|---:|" + "---:|" * len(measures), *rows])
