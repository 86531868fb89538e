{{ ratings_over_time('day') }}
