with

source as (
    select * from {{ source('movielens', 'movies') }}
    where {{ ds_filter(source('movielens', 'movies')) }}
),

final as (
    select
        movie_id,
        title,
        release_year,
        genres
    from source
)

select * from final
