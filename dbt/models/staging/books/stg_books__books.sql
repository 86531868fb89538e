with

source as (
    select * from {{ source('books', 'books') }}
    where {{ ds_filter(source('books', 'books')) }}
),

final as (
    select
        book_id,
        goodreads_book_id,
        title,
        authors,
        publication_year,
        average_rating,
        ratings_count
    from source
)

select * from final
