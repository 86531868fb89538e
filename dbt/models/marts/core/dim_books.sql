{{ config(redshift_layout(dist='all', sort=['book_id'])) }}

with

books as (
    select * from {{ ref('int_books__features_joined') }}
),

final as (
    select
        book_id,
        goodreads_book_id,
        title,
        authors,
        publication_year,
        average_rating,
        ratings_count,
        genre_list,
        coalesce(primary_genre, 'unknown') as primary_genre
    from books
)

select * from final
