# Everything runs through scripts/ so the README commands work without make too.
.PHONY: demo test test-dag test-real-data ui api api-key rollback dbt-docs dashboards lint-sql up down status clean bench-clean bench-model bench-foldin bench-serving bench-scale bench-cdc seed-app-db

DATA ?= ../shared/data/ml-100k

demo:            ## install, start services, run the daily DAG on the sample, print a summary
	bash scripts/demo.sh

test:            ## install and run the default test suite (unit + integration, without the whole-DAG runs)
	bash scripts/test.sh

test-dag:        ## the whole DAG on the sample: scheduler run, rerun, backfill, cleared old day rerun
	bash scripts/test.sh -m "slow and not real_data"

test-real-data:  ## the whole DAG on ../shared/data (ML-100K + goodbooks-10k), checked against the raw files
	RECSYS_TEST_STATE_DIR="$(CURDIR)/.state/test-real-data" bash scripts/test.sh -m real_data

ui:              ## Airflow UI on the demo state (API server first), http://127.0.0.1:8080 (RECSYS_UI_PORT)
	bash scripts/ui.sh

api:             ## recommendations API on the demo state, http://127.0.0.1:8000 (RECSYS_API_PORT)
	bash scripts/api.sh api

api-key:         ## create an API key: make api-key NAME=my-app (printed once)
	bash scripts/api.sh api-key --name "$(NAME)"

rollback:        ## serve the previous published version again (TO=<model run id> for another one)
	bash scripts/api.sh rollback $(if $(TO),--to $(TO),)

dbt-docs:        ## dbt docs of the demo's warehouse on http://127.0.0.1:8081 (RECSYS_DBT_DOCS_PORT)
	bash scripts/dbt_docs.sh

dashboards:      ## Evidence dashboards of the demo's warehouse on http://127.0.0.1:8082 (RECSYS_DASHBOARDS_PORT)
	bash scripts/dashboards.sh

lint-sql:        ## Redshift validity: dbt parse/compile --target prod offline + sqlfluff (redshift)
	bash scripts/bootstrap.sh && bash scripts/lint_dbt.sh

seed-app-db:     ## fill the local application database (dataset app-db) from the bundled sample
	PYTHONPATH=plugins .venv/bin/python -m recsys.local.cli seed-app-db

up down status:  ## start / stop / check the local services
	PYTHONPATH=plugins .venv/bin/python -m recsys.local.cli $@

clean:           ## stop the services and delete all local state (.state/)
	PYTHONPATH=plugins .venv/bin/python -m recsys.local.cli wipe

bench-model:     ## every model on both evaluation protocols (DATA=MovieLens-100K folder; writes benchmarks/results/)
	bash scripts/bootstrap.sh && OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/model_benchmark.py --data $(DATA)

bench-foldin:    ## new users who rate five movies: fold-in against the segment lists (DATA=MovieLens-100K folder)
	bash scripts/bootstrap.sh && OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/foldin_benchmark.py --data $(DATA)

bench-serving:   ## API latency at fixed rates and versioned publish throughput, on loopback (DATA=MovieLens-100K folder)
	bash scripts/bootstrap.sh && .venv/bin/python benchmarks/serving_benchmark.py --data $(DATA)

bench-clean:     ## benchmark the clean job on 1M and 10M synthetic ratings (writes benchmarks/results/)
	bash scripts/bootstrap.sh && .venv/bin/python benchmarks/clean_benchmark.py --ratings 1000000 10000000

bench-cdc:       ## a day of 1% changed rows in the application database, merged, against a full reload (1M ratings)
	bash scripts/bootstrap.sh && .venv/bin/python benchmarks/cdc_benchmark.py --ratings 1000000 --changed 0.01

RATINGS ?= 100000 1000000 10000000
NETFLIX ?= 100000000
LIGHTFM_THREADS ?= 1

bench-scale:     ## the whole DAG at RATINGS generated ratings (other sizes of the report kept), then the clean job on NETFLIX Netflix-format ratings (NETFLIX= skips it; hours; not CI)
	bash scripts/bootstrap.sh && .venv/bin/python benchmarks/scale_benchmark.py --keep --ratings $(RATINGS) --lightfm-threads $(LIGHTFM_THREADS)
	$(if $(strip $(NETFLIX)),.venv/bin/python benchmarks/clean_benchmark.py --ratings --netflix $(NETFLIX) --name clean_benchmark_netflix)
