with

source as (
    select * from {{ source('goodbooks', 'books') }}
    where {{ ds_filter(source('goodbooks', 'books')) }}
),

final as (
    select
        book_id,
        title,
        authors,
        publication_year,
        average_rating,
        ratings_count,
        genres
    from source
)

select * from final
