with

source as (
    select * from {{ source('movielens', 'movie_genres') }}
    where {{ ds_filter(source('movielens', 'movie_genres')) }}
),

final as (
    select
        movie_id,
        genre
    from source
)

select * from final
