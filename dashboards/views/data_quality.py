"""Each daily run's row accounting: rows in, clean, quarantined, deduplicated, and why rows were rejected."""
import altair as alt
import streamlit as st

from warehouse import query, rows_or_stop

st.title("Data quality")
st.caption("From `mart_data_quality__daily_counts`: for each input table, rows in = clean + quarantined + "
           "deduplicated (the clean job refuses a day that does not balance). Every quarantined row is in "
           "`raw.quarantine` with its file, line and reason.")

counts = rows_or_stop("select * from marts.mart_data_quality__daily_counts order by ds, source_table",
                      "No run has been accounted yet.")
counts["ds"] = counts["ds"].astype(str)
latest_ds = counts["ds"].max()
latest = counts[counts["ds"] == latest_ds]

st.header(f"The latest run: {latest_ds}")
cols = st.columns(4)
cols[0].metric("Rows in", f"{int(latest['rows_in'].sum()):,}")
cols[1].metric("Clean", f"{int(latest['rows_clean'].sum()):,}")
cols[2].metric("Quarantined", f"{int(latest['rows_quarantined'].sum()):,}")
unaccounted = int((latest["rows_in"] - latest["rows_clean"] - latest["rows_quarantined"]
                   - latest["rows_deduplicated"]).sum())
cols[3].metric("Unaccounted", f"{unaccounted:,}")
st.table(latest[["source_table", "rows_in", "rows_clean", "rows_quarantined", "rows_deduplicated", "top_reason",
                 "top_reason_rows"]].astype({"top_reason_rows": "Int64"}).fillna({"top_reason": ""})
         .set_index("source_table"))

st.header("Over runs")
st.altair_chart(alt.Chart(counts).mark_bar().encode(
    x=alt.X("ds:O", title="run (ds)"), y=alt.Y("rows_quarantined:Q", title="rows quarantined"),
    color=alt.Color("source_table:N", title="table"),
    tooltip=["ds:O", "source_table:N", "rows_in:Q", "rows_quarantined:Q", "top_reason:N"]), width="stretch")
per_day = counts.groupby("ds", as_index=False)[["rows_in", "rows_quarantined"]].sum()
per_day["quarantine_rate"] = per_day["rows_quarantined"] / per_day["rows_in"]
st.altair_chart(alt.Chart(per_day).mark_line(point=True).encode(
    x=alt.X("ds:O", title="run (ds)"),
    y=alt.Y("quarantine_rate:Q", title="share quarantined", axis=alt.Axis(format="%")),
    tooltip=["ds:O", "rows_in:Q", "rows_quarantined:Q", alt.Tooltip("quarantine_rate:Q", format=".3%")]),
    width="stretch")

st.header("Why rows were quarantined, the latest run")
reasons = query("select source_table, reason, n_rows, n_files, first_line_number "
                "from marts.mart_data_quality__quarantine_by_reason order by n_rows desc limit 20")
st.dataframe(reasons, hide_index=True, width="stretch")
