"""How long each task of the daily DAG took, over runs, from what the tasks recorded as they finished."""
import altair as alt
import streamlit as st

from warehouse import rows_or_stop

st.title("Tasks")
st.caption("From `recs.mart_recs__task_durations`: every task records its last try as it ends (an Airflow "
           "listener, not Airflow's metadata database). Each dbt group is one build task and a task per source, "
           "model and test, summed here as dbt and dbt_published.")

tasks = rows_or_stop("select * from recs.mart_recs__task_durations order by started_at",
                     "No task has recorded a run yet.")
tasks["ds"] = tasks["ds"].astype(str)
tasks["step"] = tasks["task_id"].where(~tasks["task_id"].str.contains(r"\."), tasks["task_id"].str.split(".").str[0])
tasks["retries"] = tasks["n_tries"] - 1
per_run = (tasks.groupby(["dag_run_id", "ds", "step"], as_index=False)
           .agg(seconds=("seconds", "sum"), started_at=("started_at", "min"), retries=("retries", "sum")))
per_run["run_started"] = per_run.groupby("dag_run_id")["started_at"].transform("min")  # one x per run
latest_run = tasks.sort_values("started_at")["dag_run_id"].iloc[-1]
latest = per_run[per_run["dag_run_id"] == latest_run]

cols = st.columns(3)
cols[0].metric("Latest run", latest_run)
cols[1].metric("Task seconds, in all", f"{latest['seconds'].sum():,.0f}")
cols[2].metric("Retries", f"{int(latest['retries'].sum())}")

st.subheader("The latest run: seconds per step")
st.altair_chart(alt.Chart(latest).mark_bar().encode(
    x=alt.X("seconds:Q"), y=alt.Y("step:N", sort="-x", title=None),
    tooltip=["step:N", alt.Tooltip("seconds:Q", format=".1f"), "retries:Q"]), width="stretch")

st.subheader("Seconds per step over runs")
st.altair_chart(alt.Chart(per_run).mark_line(point=True).encode(
    x=alt.X("run_started:T", title="run started"), y=alt.Y("seconds:Q"), color=alt.Color("step:N"),
    tooltip=["dag_run_id:N", "step:N", alt.Tooltip("seconds:Q", format=".1f"), "retries:Q"]), width="stretch")

st.dataframe(tasks[tasks["dag_run_id"] == latest_run][["task_id", "state", "n_tries", "seconds", "started_at"]],
             hide_index=True, width="stretch")
