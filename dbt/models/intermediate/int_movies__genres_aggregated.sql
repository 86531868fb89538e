with

movies as (
    select * from {{ ref('stg_movielens__movies') }}
),

movie_genres as (
    select * from {{ ref('stg_movielens__movie_genres') }}
),

genres_per_movie as (
    select
        movie_id,
        {{ dbt.listagg('genre', "'|'", 'order by genre') }} as genre_list
    from movie_genres
    group by movie_id
),

final as (
    select
        movies.movie_id,
        coalesce(genres_per_movie.genre_list, '') as genre_list
    from movies
    left join genres_per_movie on movies.movie_id = genres_per_movie.movie_id
)

select * from final
