with

movies as (
    select * from {{ ref('stg_movies__movies') }}
),

movie_genres as (
    select * from {{ ref('stg_movies__movie_genres') }}
),

ratings as (
    select * from {{ ref('stg_movies__ratings') }}
),

genres_per_movie as (
    select
        movie_id,
        count(*) as n_genres,
        {{ dbt.listagg('genre', "'|'", 'order by genre') }} as genre_list
    from movie_genres
    group by movie_id
),

activity as (
    select
        movie_id,
        count(*) as n_ratings,
        avg(rating) as avg_rating
    from ratings
    group by movie_id
),

final as (
    select
        movies.movie_id,
        movies.title,
        movies.release_year,
        activity.avg_rating,
        case
            when movies.release_year is null then 'unknown'
            else cast(movies.release_year - movies.release_year % 10 as varchar(4)) || 's'
        end as release_decade,
        coalesce(genres_per_movie.genre_list, '') as genre_list,
        coalesce(genres_per_movie.n_genres, 0) as n_genres,
        coalesce(activity.n_ratings, 0) as n_ratings
    from movies
    left join genres_per_movie on movies.movie_id = genres_per_movie.movie_id
    left join activity on movies.movie_id = activity.movie_id
)

select * from final
