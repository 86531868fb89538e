"""Ratings by US ZIP region (the ZIP code's first digit), ranked."""
import altair as alt
import streamlit as st

from warehouse import caption_as_of, query

st.title("Audience by ZIP region")
caption_as_of()
st.markdown("""
A US ZIP code's first digit is its **national area**, numbered from the north-east (0) to the west (9);
the seed `zip_region_states` lists the states of each. Two values are not areas: **other** is a zip
code that is not a 5-digit US ZIP (MovieLens has Canadian postal codes such as `T8H1N`, and typos),
**unknown** a user without demographics. Drawn as a ranked bar: a map would need map tiles or shapes
from the internet, which the dashboards never fetch.
""")

regions = query("""
    select regions.zip_region, coalesce(names.region_name, regions.zip_region) as region_name,
        regions.n_users, regions.n_ratings, regions.ratings_per_user, regions.avg_rating, regions.share_of_ratings
    from marts.mart_analytics__ratings_by_zip_region as regions
    left join seeds.zip_regions as names on regions.zip_region = names.zip_region
    order by regions.n_ratings desc""")
states = (query("select zip_region, state from seeds.zip_region_states order by state")
          .groupby("zip_region", as_index=False)["state"].agg(" ".join).rename(columns={"state": "states"}))
regions = regions.merge(states, on="zip_region", how="left").fillna({"states": "-"})
regions["label"] = regions["zip_region"] + ": " + regions["region_name"]

st.altair_chart(alt.Chart(regions).mark_bar().encode(
    x=alt.X("n_ratings:Q", title="ratings"), y=alt.Y("label:N", sort="-x", title=None),
    color=alt.Color("avg_rating:Q", title="mean rating", scale=alt.Scale(scheme="blues")),
    tooltip=["label:N", "states:N", "n_users:Q", "n_ratings:Q", alt.Tooltip("avg_rating:Q", format=".2f")]),
    width="stretch")

top = regions.iloc[0]
st.metric(f"Most ratings: region {top['zip_region']} ({top['region_name']})", f"{int(top['n_ratings']):,}",
          f"{top['share_of_ratings']:.1%} of all ratings", delta_color="off")
st.dataframe(regions[["zip_region", "region_name", "states", "n_users", "n_ratings", "ratings_per_user", "avg_rating",
                      "share_of_ratings"]], hide_index=True, width="stretch")
