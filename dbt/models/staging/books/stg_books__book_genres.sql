with

source as (
    select * from {{ source('books', 'book_genres') }}
    where {{ ds_filter(source('books', 'book_genres')) }}
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
