with

ratings as (
    select * from {{ ref('fct_ratings') }}
    where {{ ds_filter(ref('fct_ratings')) }}
),

movies as (
    select * from {{ ref('dim_movies') }}
),

per_movie as (
    select
        movie_id,
        count(*) as n_ratings,
        avg(rating) as avg_rating
    from ratings
    group by movie_id
),

final as (
    select
        per_movie.movie_id,
        movies.title,
        movies.release_year,
        movies.genre_list,
        per_movie.n_ratings,
        {{ round_to('per_movie.avg_rating', 3) }} as avg_rating,
        row_number() over (order by per_movie.n_ratings desc, per_movie.movie_id asc) as rating_count_rank
    from per_movie
    inner join movies on per_movie.movie_id = movies.movie_id
)

select * from final
