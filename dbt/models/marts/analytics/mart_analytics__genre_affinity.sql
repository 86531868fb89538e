{#- Which genres each (occupation, gender) segment over- or under-rates: lift = the
    genre's share of the segment's ratings / the genre's share of all ratings, i.e.
    observed / expected ratings. A segment with few ratings gives wild lifts, so each row
    carries its support and a credible lift shrunk towards 1 by a prior of
    var('affinity_prior_ratings') ratings: (observed + m) / (expected + m). -#}
{% set prior = var('affinity_prior_ratings') %}

with

ratings as (
    select * from {{ ref('fct_ratings') }}
    where {{ ds_filter(ref('fct_ratings')) }}
),

users as (
    select * from {{ ref('dim_users') }}
),

movie_genres as (
    select * from {{ ref('stg_movies__movie_genres') }}
),

rated_genres as (
    select
        users.occupation,
        users.gender,
        movie_genres.genre,
        ratings.rating
    from ratings
    inner join users on ratings.user_id = users.user_id
    inner join movie_genres on ratings.movie_id = movie_genres.movie_id
),

per_cell as (
    select
        occupation,
        gender,
        genre,
        count(*) as n_ratings,
        avg(rating) as avg_rating
    from rated_genres
    group by occupation, gender, genre
),

per_segment as (
    select
        occupation,
        gender,
        cast(sum(n_ratings) as bigint) as n_segment_ratings
    from per_cell
    group by occupation, gender
),

per_genre as (
    select
        genre,
        sum(n_ratings) as n_genre_ratings
    from per_cell
    group by genre
),

total as (
    select sum(n_ratings) as n_all_ratings from per_cell
),

as_of as (
    select max(ds) as ds from ratings
),

expected as (
    select
        per_cell.occupation,
        per_cell.gender,
        per_cell.genre,
        per_cell.n_ratings,
        per_cell.avg_rating,
        per_segment.n_segment_ratings,
        as_of.ds,
        per_segment.n_segment_ratings * {{ ratio('per_genre.n_genre_ratings', 'total.n_all_ratings') }}
            as expected_ratings
    from per_cell
    inner join per_segment
        on per_cell.occupation = per_segment.occupation and per_cell.gender = per_segment.gender
    inner join per_genre on per_cell.genre = per_genre.genre
    cross join total
    cross join as_of
),

final as (
    select
        ds,
        occupation,
        gender,
        genre,
        n_ratings,
        n_segment_ratings,
        {{ round_to('avg_rating', 3) }} as avg_rating,
        {{ round_to(ratio('n_ratings', 'n_segment_ratings'), 4) }} as share_of_segment,
        {{ round_to('expected_ratings', 2) }} as expected_ratings,
        {{ round_to(ratio('n_ratings', 'expected_ratings'), 3) }} as affinity_lift,
        {{ round_to(ratio('n_ratings + ' ~ prior, 'expected_ratings + ' ~ prior), 3) }} as credible_lift
    from expected
)

select * from final
