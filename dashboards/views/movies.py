"""The most rated movies, and the top rated by Bayesian average (with its vote floor explained)."""
import altair as alt
import streamlit as st

from warehouse import caption_as_of, query

st.title("Movies")
caption_as_of()

st.header("Most rated")
most = query("select title, release_year, n_ratings, avg_rating from marts.mart_analytics__movies_most_rated "
             "where rating_count_rank <= 20 order by rating_count_rank")
st.altair_chart(alt.Chart(most).mark_bar().encode(
    x=alt.X("n_ratings:Q", title="ratings"), y=alt.Y("title:N", sort="-x", title=None),
    tooltip=["title:N", "release_year:Q", "n_ratings:Q", alt.Tooltip("avg_rating:Q", format=".2f")]),
    width="stretch")

st.header("Top rated")
top = query("select top_rated_rank, title, release_year, genre_list, n_ratings, avg_rating, bayesian_avg, "
            "vote_floor, prior_mean_rating from marts.mart_analytics__movies_top_rated "
            "where top_rated_rank <= 20 order by top_rated_rank")
if top.empty:
    st.info("No movie has reached the vote floor yet.")
    st.stop()
floor, prior = int(top["vote_floor"].iloc[0]), top["prior_mean_rating"].iloc[0]
st.markdown(f"""
A plain mean puts a movie with two five-star ratings at the top. The ranking uses the Bayesian
(IMDb-style) average instead: **(v × R + m × C) / (v + m)**, where R is the movie's mean rating, v its
number of ratings, C the mean of all ratings (here **{prior:.2f}**) and m the vote floor (here **{floor}**,
dbt var `top_rated_min_votes`): only movies with at least m ratings are listed, and each is pulled
towards C as if it had m more ratings of C stars.
""")
st.metric(f"Top rated: {top['title'].iloc[0]}", f"{top['bayesian_avg'].iloc[0]:.3f}",
          f"plain mean {top['avg_rating'].iloc[0]:.2f} over {int(top['n_ratings'].iloc[0]):,} ratings",
          delta_color="off")
st.dataframe(top.drop(columns=["vote_floor", "prior_mean_rating"]), hide_index=True, width="stretch")
