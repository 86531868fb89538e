with

links as (
    select * from {{ ref('int_books__movie_genres_mapped') }}
),

books as (
    select * from {{ ref('int_books__features_joined') }}
),

final as (
    select
        links.movie_genre,
        links.book_id,
        books.title,
        books.authors,
        links.affinity,
        books.ratings_count,
        books.average_rating
    from links
    inner join books on links.book_id = books.book_id
)

select * from final
