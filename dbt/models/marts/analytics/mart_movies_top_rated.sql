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
),

overall as (
    select avg(rating) as mean_rating from ratings
),

per_movie as (
    select
        movie_id,
        count(*) as n_ratings,
        avg(rating) as avg_rating
    from ratings
    group by movie_id
    having count(*) >= {{ min_votes }}
),

scored as (
    select
        per_movie.movie_id,
        per_movie.n_ratings,
        per_movie.avg_rating,
        (per_movie.n_ratings * per_movie.avg_rating + {{ min_votes }} * overall.mean_rating)
        / (per_movie.n_ratings + {{ min_votes }}) as bayesian_avg
    from per_movie
    cross join overall
),

final as (
    select
        scored.movie_id,
        movies.title,
        movies.release_year,
        movies.genre_list,
        scored.n_ratings,
        {{ round_to('scored.avg_rating', 3) }} as avg_rating,
        {{ round_to('scored.bayesian_avg', 4) }} as bayesian_avg,
        row_number() over (order by scored.bayesian_avg desc, scored.movie_id asc) as top_rated_rank
    from scored
    inner join movies on scored.movie_id = movies.movie_id
)

select * from final
