{#- Bayesian (IMDb-style) average: v / (v + m) * R + m / (v + m) * C, where R is the
    movie's mean, v its vote count, C the mean over all ratings and m the minimum
    vote count (var top_rated_min_votes), which is also the prior's weight. -#}
{% set min_votes = var('top_rated_min_votes') %}

with

ratings as (
    select * from {{ ref('fct_ratings') }}
    where {{ ds_filter(ref('fct_ratings')) }}
),

movies as (
    select * from {{ ref('dim_movies') }}
    where n_ratings >= {{ min_votes }}
),

overall as (
    select
        max(ds) as ds,
        avg(rating) as mean_rating
    from ratings
),

scored as (
    select
        overall.ds,
        movies.movie_id,
        movies.title,
        movies.release_year,
        movies.genre_list,
        movies.n_ratings,
        movies.avg_rating,
        overall.mean_rating,
        (movies.n_ratings * movies.avg_rating + {{ min_votes }} * overall.mean_rating)
        / (movies.n_ratings + {{ min_votes }}) as bayesian_avg
    from movies
    cross join overall
),

final as (
    select
        ds,
        movie_id,
        title,
        release_year,
        genre_list,
        n_ratings,
        {{ min_votes }} as vote_floor,
        {{ round_to('avg_rating', 3) }} as avg_rating,
        {{ round_to('bayesian_avg', 4) }} as bayesian_avg,
        {{ round_to('mean_rating', 4) }} as prior_mean_rating,
        row_number() over (order by bayesian_avg desc, movie_id asc) as top_rated_rank
    from scored
)

select * from final
