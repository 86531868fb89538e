"""The morning glance: the day the warehouse holds, its volume, and the model serving it."""
import streamlit as st

from warehouse import as_of, query

st.title("Recommendations platform")
st.caption(f"The warehouse holds the day **{as_of()}**, built by the daily Airflow run; every page reads "
           f"the dbt marts, never the raw schema.")

totals = query("select sum(n_ratings) as n_ratings, sum(sum_rating) / sum(n_ratings) as avg_rating "
               "from marts.mart_analytics__ratings_daily_by_segment").iloc[0]
audience = query("select count(*) as n_users from marts.dim_users where n_ratings > 0").iloc[0]
latest = query("""
    select model_run_id, model, metric_value
    from recs.mart_recs__model_metrics
    where protocol = 'A' and role = 'served' and metric = 'ndcg@10'
    order by trained_at desc
    limit 1""")

cols = st.columns(4)
cols[0].metric("Ratings", f"{int(totals['n_ratings']):,}")
cols[1].metric("Users who rated", f"{int(audience['n_users']):,}")
cols[2].metric("Mean rating", f"{totals['avg_rating']:.2f}")
if len(latest):
    cols[3].metric(f"NDCG@10 of the served model ({latest['model'].iloc[0]})", f"{latest['metric_value'].iloc[0]:.4f}")

st.markdown("""
**For analysts**: *Ratings* over time by date range and demographic segment, and by occupation;
*Audience* by US ZIP region; *Genres*: popularity and which segments over-rate which genres, with
their support; *Movies*: most rated and top rated (Bayesian average).

**For operators**: *Data quality*: each day's rows in, clean and quarantined, and why; *Model*: NDCG@10
of the served model and its peers over runs, and what each training step cost; *Published*: what each
published run serves (users, coverage, popularity bias, genre diversity).
""")
