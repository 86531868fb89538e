# Airflow image for docker-compose.yaml: the project's pinned packages, Java for
# Spark, and the s3a jars (taken from the sagemaker-pyspark sdist, as bootstrap does).
FROM apache/airflow:3.3.2-python3.11

USER root
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless gcc g++ \
    && rm -rf /var/lib/apt/lists/*
ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 RECSYS_JARS_DIR=/opt/recsys-jars
RUN mkdir -p /opt/recsys-jars && chown airflow: /opt/recsys-jars

USER airflow
COPY requirements.txt constraints.txt /tmp/
RUN pip install --no-cache-dir -r /tmp/requirements.txt -c /tmp/constraints.txt
RUN pip download --no-deps --no-binary :all: -d /tmp/smp sagemaker-pyspark==1.4.5 \
    && tar -xzf /tmp/smp/sagemaker_pyspark-1.4.5.tar.gz -C /tmp/smp --wildcards \
       '*/jars/hadoop-aws-3.3.1.jar' '*/jars/aws-java-sdk-bundle-1.11.901.jar' \
    && find /tmp/smp -name '*.jar' -exec mv {} /opt/recsys-jars/ \; && rm -rf /tmp/smp
