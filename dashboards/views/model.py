"""Every model run: the served model's NDCG@10 against its baselines and peers, and each step's cost."""
import altair as alt
import streamlit as st

from warehouse import rows_or_stop

LONG_LABELS = alt.Axis(labelLimit=320)  # model and step names such as "validation: blend(lightfm_hybrid+ease)"

st.title("Model")
st.caption("From `recs.mart_recs__model_metrics`. Protocol A holds out each user's latest positives; protocol B "
           "scores users the models never saw (cold start). A run the quality gate refused is not published.")

metrics = rows_or_stop("select * from recs.mart_recs__model_metrics", "No model run yet.")
ndcg = metrics[metrics["metric"] == "ndcg@10"]
runs = (ndcg[ndcg["role"] == "served"].pivot_table(index=["trained_at", "model_run_id", "ds", "is_published"],
                                                   columns="protocol", values="metric_value").reset_index()
        .sort_values("trained_at", ascending=False))
served = ndcg[ndcg["role"] == "served"].set_index(["model_run_id", "protocol"])["model"]
runs["served_model"] = [served.get((r, "A")) for r in runs["model_run_id"]]
runs["cold_start_model"] = [served.get((r, "B")) for r in runs["model_run_id"]]
latest = runs.iloc[0]

cols = st.columns(3)
cols[0].metric(f"NDCG@10, served ({latest['served_model']})", f"{latest['A']:.4f}")
best_other = ndcg[(ndcg["model_run_id"] == latest["model_run_id"]) & (ndcg["protocol"] == "A")
                  & (ndcg["role"] != "served")].sort_values("metric_value", ascending=False).iloc[0]
cols[1].metric(f"Best other model ({best_other['model']})", f"{best_other['metric_value']:.4f}",
               f"{latest['A'] - best_other['metric_value']:+.4f} for the served one", delta_color="off")
cols[2].metric(f"NDCG@10, new users ({latest['cold_start_model']})", f"{latest.get('B', float('nan')):.4f}")

st.subheader("Model runs")
st.dataframe(runs.rename(columns={"A": "ndcg@10 A", "B": "ndcg@10 B"}), hide_index=True, width="stretch")

for protocol, title in (("A", "NDCG@10 over runs, protocol A (warm)"),
                        ("B", "NDCG@10 over runs, protocol B (new users)")):
    st.subheader(title)
    st.altair_chart(alt.Chart(ndcg[ndcg["protocol"] == protocol]).mark_line(point=True).encode(
        x=alt.X("trained_at:T", title="trained at"), y=alt.Y("metric_value:Q", title="NDCG@10"),
        color=alt.Color("model:N"), tooltip=["model_run_id:N", "model:N", "role:N",
                                             alt.Tooltip("metric_value:Q", format=".4f")]), width="stretch")

st.subheader("The latest run: NDCG@10 of every model (protocol A)")
latest_a = ndcg[(ndcg["model_run_id"] == latest["model_run_id"]) & (ndcg["protocol"] == "A")]
st.altair_chart(alt.Chart(latest_a).mark_bar().encode(
    x=alt.X("metric_value:Q", title="NDCG@10"), y=alt.Y("model:N", sort="-x", title=None, axis=LONG_LABELS),
    color="role:N",
    tooltip=["model:N", "role:N", alt.Tooltip("metric_value:Q", format=".4f")]), width="stretch")

steps = metrics[(metrics["model_run_id"] == latest["model_run_id"]) & (metrics["protocol"] == "cost")]
for metric, title, unit, fmt in (("seconds", "seconds per training step", "seconds", ".1f"),
                                 ("peak_mb", "peak memory per training step", "MB (high-water mark)", ",.0f")):
    st.subheader(f"The latest run: {title}")
    st.altair_chart(alt.Chart(steps[steps["metric"] == metric].nlargest(15, "metric_value")).mark_bar().encode(
        x=alt.X("metric_value:Q", title=unit), y=alt.Y("model:N", sort="-x", title=None, axis=LONG_LABELS),
        tooltip=["model:N", alt.Tooltip("metric_value:Q", format=fmt)]), width="stretch")
