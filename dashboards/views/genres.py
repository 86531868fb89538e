"""Genre popularity, and which demographic segments over-rate which genres, with their support."""
import altair as alt
import streamlit as st

from warehouse import caption_as_of, query

st.title("Genres")
caption_as_of()

popularity = query("select genre, n_ratings, share_of_ratings, avg_rating, popularity_rank "
                   "from marts.mart_analytics__genre_popularity order by popularity_rank")
st.markdown(f"""
A movie with several genres counts once for each of them, so the genres' ratings add up to more
than all ratings and their shares to more than 100% (here **{popularity['share_of_ratings'].sum():.0%}**):
compare genres with each other, never add them up.
""")
st.altair_chart(alt.Chart(popularity).mark_bar().encode(
    x=alt.X("n_ratings:Q", title="ratings of the genre's movies"), y=alt.Y("genre:N", sort="-x", title=None),
    tooltip=["genre:N", "n_ratings:Q", alt.Tooltip("share_of_ratings:Q", format=".1%"),
             alt.Tooltip("avg_rating:Q", format=".2f")]), width="stretch")

st.header("Which segments over-rate which genres")
st.markdown("""
**Lift** = the genre's share of a segment's ratings / its share of everyone's (observed / expected
ratings): 1.5 means the segment rates the genre 50% more often than the population does. A segment
with a handful of ratings gives wild lifts, so the heatmap shows the **credible lift**, shrunk towards 1
by a prior of 20 ratings, (observed + 20) / (expected + 20), and only segments with at least the
**support** (the segment's ratings) chosen here.
""")
affinity = query("select * from marts.mart_analytics__genre_affinity")
cols = st.columns(2)
gender = cols[0].selectbox("Gender", sorted(affinity["gender"].unique()))
support = cols[1].select_slider("Segment support at least (ratings)", [1, 50, 100, 500, 1000, 5000], value=100)
shown = affinity[(affinity["gender"] == gender) & (affinity["n_segment_ratings"] >= support)]

if shown.empty:
    st.info("No segment has that much support; lower it.")
else:
    st.altair_chart(alt.Chart(shown).mark_rect().encode(
        x=alt.X("genre:N", title=None), y=alt.Y("occupation:N", title=None),
        color=alt.Color("credible_lift:Q", title="credible lift",
                        scale=alt.Scale(scheme="redblue", domainMid=1, reverse=True)),
        tooltip=["occupation:N", "genre:N", "n_ratings:Q", "n_segment_ratings:Q",
                 alt.Tooltip("expected_ratings:Q", format=".1f"), alt.Tooltip("affinity_lift:Q", format=".2f"),
                 alt.Tooltip("credible_lift:Q", format=".2f")]), width="stretch")

st.subheader("Strongest affinities, any gender")
top = (affinity[affinity["n_segment_ratings"] >= support].sort_values("credible_lift", ascending=False).head(15))
st.dataframe(top[["occupation", "gender", "genre", "n_ratings", "n_segment_ratings", "expected_ratings",
                  "affinity_lift", "credible_lift"]], hide_index=True, width="stretch")
