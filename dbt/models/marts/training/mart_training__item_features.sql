with

movies as (
    select * from {{ ref('stg_movielens__movies') }}
),

genres as (
    select * from {{ ref('int_movies__genres_aggregated') }}
),

final as (
    select
        movies.movie_id,
        movies.title,
        case
            when movies.release_year is null then 'unknown'
            else cast(movies.release_year - movies.release_year % 10 as varchar(4)) || 's'
        end as release_decade,
        genres.genre_list
    from movies
    inner join genres on movies.movie_id = genres.movie_id
)

select * from final
