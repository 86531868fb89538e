with

ratings as (
    select * from {{ ref('fct_ratings') }}
    where {{ ds_filter(ref('fct_ratings')) }}
),

movies as (
    select * from {{ ref('dim_movies') }}
    where n_ratings > 0
),

as_of as (
    select max(ds) as ds from ratings
),

final as (
    select
        as_of.ds,
        movies.movie_id,
        movies.title,
        movies.release_year,
        movies.genre_list,
        movies.n_ratings,
        {{ round_to('movies.avg_rating', 3) }} as avg_rating,
        row_number() over (order by movies.n_ratings desc, movies.movie_id asc) as rating_count_rank
    from movies
    cross join as_of
)

select * from final
