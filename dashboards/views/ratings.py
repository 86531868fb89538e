"""Ratings over time, for any date range and demographic segment, and by occupation."""
import altair as alt
import streamlit as st

from warehouse import caption_as_of, query

MART = "marts.mart_analytics__ratings_daily_by_segment"
ALL = "All"

st.title("Ratings")
caption_as_of()

span = query(f"select min(rated_on) as first_day, max(rated_on) as last_day from {MART}").iloc[0]
with st.sidebar:
    period = st.date_input("Rated between", (span["first_day"], span["last_day"]),
                           min_value=span["first_day"], max_value=span["last_day"])
    choices = {column: [ALL, *query(f"select distinct {column} from {MART} order by 1")[column]]
               for column in ("gender", "age_bucket", "occupation")}
    chosen = {column: st.selectbox(column.replace("_", " ").capitalize(), values)
              for column, values in choices.items()}

first, last = (period[0], period[-1]) if isinstance(period, (tuple, list)) and period else (span["first_day"],
                                                                                           span["last_day"])
where, params = ["rated_on between %s and %s"], [first, last]
for column, value in chosen.items():
    if value != ALL:
        where.append(f"{column} = %s")
        params.append(value)
condition = " and ".join(where)

per_day = query(f"select rated_on, sum(n_ratings) as n_ratings, sum(sum_rating)::float / sum(n_ratings) "
                f"as avg_rating from {MART} where {condition} group by rated_on order by rated_on", tuple(params))
per_occupation = query(f"select occupation, sum(n_ratings) as n_ratings, sum(sum_rating)::float / sum(n_ratings) "
                       f"as avg_rating from {MART} where {condition} group by occupation", tuple(params))

cols = st.columns(3)
cols[0].metric("Ratings in the selection", f"{int(per_day['n_ratings'].sum()):,}")
cols[1].metric("Days with ratings", f"{len(per_day):,}")
mean = (per_day["avg_rating"] * per_day["n_ratings"]).sum() / per_day["n_ratings"].sum() if len(per_day) else 0
cols[2].metric("Mean rating", f"{mean:.2f}")

if per_day.empty:
    st.info("No ratings in this selection.")
    st.stop()

st.subheader("Ratings per day")
st.altair_chart(alt.Chart(per_day).mark_line().encode(
    x=alt.X("rated_on:T", title="day"), y=alt.Y("n_ratings:Q", title="ratings"),
    tooltip=["rated_on:T", "n_ratings:Q", alt.Tooltip("avg_rating:Q", format=".2f")]), width="stretch")

st.subheader("Ratings per month")
per_month = per_day.assign(month=per_day["rated_on"].astype("datetime64[ns]").dt.to_period("M").dt.to_timestamp())
per_month = per_month.groupby("month", as_index=False)["n_ratings"].sum()
st.altair_chart(alt.Chart(per_month).mark_bar().encode(
    x=alt.X("month:T", title="month", timeUnit="yearmonth"), y=alt.Y("n_ratings:Q", title="ratings"),
    tooltip=[alt.Tooltip("month:T", timeUnit="yearmonth"), "n_ratings:Q"]), width="stretch")

st.subheader("Ratings by occupation")
st.altair_chart(alt.Chart(per_occupation).mark_bar().encode(
    x=alt.X("n_ratings:Q", title="ratings"), y=alt.Y("occupation:N", sort="-x", title=None),
    color=alt.Color("avg_rating:Q", title="mean rating", scale=alt.Scale(scheme="blues")),
    tooltip=["occupation:N", "n_ratings:Q", alt.Tooltip("avg_rating:Q", format=".2f")]), width="stretch")
