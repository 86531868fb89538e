{{ ratings_over_time('month') }}
