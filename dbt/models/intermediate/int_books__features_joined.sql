with

books as (
    select * from {{ ref('stg_books__books') }}
),

book_genres as (
    select * from {{ ref('stg_books__book_genres') }}
),

genres_per_book as (
    select
        book_id,
        max(case when genre_rank = 1 then genre end) as primary_genre,
        {{ dbt.listagg('genre', "'|'", 'order by genre_rank') }} as genre_list
    from book_genres
    group by book_id
),

final as (
    select
        books.book_id,
        books.goodreads_book_id,
        books.title,
        books.authors,
        books.publication_year,
        books.average_rating,
        books.ratings_count,
        genres_per_book.primary_genre,
        coalesce(genres_per_book.genre_list, '') as genre_list
    from books
    left join genres_per_book on books.book_id = genres_per_book.book_id
)

select * from final
