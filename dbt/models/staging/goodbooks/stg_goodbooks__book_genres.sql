with

source as (
    select * from {{ source('goodbooks', 'book_genres') }}
    where {{ ds_filter(source('goodbooks', 'book_genres')) }}
),

final as (
    select
        book_id,
        genre,
        shelf_count,
        genre_rank
    from source
)

select * from final
