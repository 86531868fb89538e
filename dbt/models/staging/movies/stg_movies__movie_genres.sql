with

source as (
    select * from {{ source('movies', 'movie_genres') }}
    where {{ ds_filter(source('movies', 'movie_genres')) }}
),

final as (
    select
        movie_id,
        genre
    from source
)

select * from final
