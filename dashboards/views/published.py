"""What each published run serves: users, catalogue coverage, popularity bias, genre diversity."""
import altair as alt
import streamlit as st

from warehouse import rows_or_stop

st.title("Published")
st.caption("From `recs.mart_recs__run_quality`, measured on what was written to DynamoDB. Popularity lift: the "
           "recommended movies' mean rating count / the catalogue's (1 = no popularity bias).")

runs = rows_or_stop("select * from recs.mart_recs__run_quality order by ds, model_run_id", "Nothing published yet.")
runs["ds"] = runs["ds"].astype(str)
latest = runs.iloc[-1]
cols = st.columns(4)
cols[0].metric("Users with a list", f"{int(latest['n_users']):,}")
cols[1].metric("Movie catalogue coverage", f"{latest['movie_catalogue_coverage']:.1%}")
cols[2].metric("Popularity lift", f"{latest['popularity_lift']:.2f}")
cols[3].metric("Genres per list", f"{latest['mean_genres_per_user']:.1f}")

charts = (("n_users", "Users with a list", ""), ("movie_catalogue_coverage", "Movie catalogue coverage", "%"),
          ("popularity_lift", "Popularity lift of the recommended movies", ""),
          ("mean_genres_per_user", "Genres per user's list", ""))
left, right = st.columns(2)
for i, (column, title, fmt) in enumerate(charts):
    with (left if i % 2 == 0 else right):
        st.subheader(title)
        st.altair_chart(alt.Chart(runs).mark_line(point=True).encode(
            x=alt.X("ds:O", title="run (ds)"),
            y=alt.Y(f"{column}:Q", title=None, axis=alt.Axis(format=fmt) if fmt else alt.Axis()),
            tooltip=["ds:O", "model_run_id:N", f"{column}:Q"]), width="stretch")

st.dataframe(runs, hide_index=True, width="stretch")
