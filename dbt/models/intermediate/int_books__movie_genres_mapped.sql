with

bridge as (
    select * from {{ ref('movie_genre_to_book_genre') }}
),

book_genres as (
    select * from {{ ref('stg_books__book_genres') }}
),

linked as (
    select
        bridge.movie_genre,
        book_genres.book_id,
        bridge.weight / book_genres.genre_rank as affinity
    from bridge
    inner join book_genres on bridge.book_genre = book_genres.genre
),

final as (
    select
        movie_genre,
        book_id,
        sum(affinity) as affinity
    from linked
    group by movie_genre, book_id
)

select * from final
