package dev.fanout.writer.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fanout.api.LogicalType;
import org.junit.jupiter.api.Test;

class ClickHouseServerVersionTest {

    @Test
    void debian18_16HasNoCompressionNoDateTime64AndNoDate32() {
        ClickHouseServerVersion v = ClickHouseServerVersion.parse("18.16.1\n");
        assertThat(v).isEqualTo(new ClickHouseServerVersion(18, 16, 1, "18.16.1"));
        assertThat(v.compressesHttp()).isFalse();
        assertThat(v.hasDateTime64()).isFalse();
        assertThat(v.hasDate32()).isFalse();
        assertThat(ClickHouseColumnType.ddl(LogicalType.TIMESTAMP, true, v)).isEqualTo("Nullable(Int64)");
        assertThat(ClickHouseColumnType.comment(LogicalType.TIMESTAMP, v)).isEqualTo("fanout:timestamp");
        assertThat(ClickHouseColumnType.ddl(LogicalType.DATE, false, v)).isEqualTo("Int32");
        assertThat(ClickHouseColumnType.comment(LogicalType.DATE, v)).isEqualTo("fanout:date");
    }

    @Test
    void thresholdsFollowTheReleasesThatBroughtEachFeature() {
        assertThat(ClickHouseServerVersion.parse("20.6.3.28").compressesHttp()).isFalse();
        assertThat(ClickHouseServerVersion.parse("20.6.3.28").hasDateTime64()).isTrue();
        assertThat(ClickHouseServerVersion.parse("20.7.1.4189").compressesHttp()).isTrue();
        assertThat(ClickHouseServerVersion.parse("21.8.15.7").hasDate32()).isFalse();
        assertThat(ClickHouseServerVersion.parse("21.9.2.17").hasDate32()).isTrue();
        ClickHouseServerVersion modern = ClickHouseServerVersion.parse("25.3.2.39-lts");
        assertThat(modern.compressesHttp()).isTrue();
        assertThat(ClickHouseColumnType.ddl(LogicalType.TIMESTAMP, true, modern)).isEqualTo("Nullable(DateTime64(6, 'UTC'))");
        assertThat(ClickHouseColumnType.comment(LogicalType.TIMESTAMP, modern)).isNull();
        assertThat(ClickHouseColumnType.ddl(LogicalType.DATE, true, modern)).isEqualTo("Nullable(Date32)");
        assertThat(ClickHouseServerVersion.parse("24.8").compareTo(ClickHouseServerVersion.parse("24.10"))).isNegative();
    }

    @Test
    void storedTypesMapBackToLogicalTypesWithTheirComments() {
        assertThat(ClickHouseColumnType.parse("Nullable(DateTime64(6, 'UTC'))").logical(null)).isEqualTo(LogicalType.TIMESTAMP);
        assertThat(ClickHouseColumnType.parse("Nullable(Int64)").logical("fanout:timestamp")).isEqualTo(LogicalType.TIMESTAMP);
        assertThat(ClickHouseColumnType.parse("Int64").logical("")).isEqualTo(LogicalType.INT64);
        assertThat(ClickHouseColumnType.parse("Date32").logical(null)).isEqualTo(LogicalType.DATE);
        assertThat(ClickHouseColumnType.parse("Nullable(Decimal(38, 10))").logical("")).isEqualTo(LogicalType.decimal(38, 10));
        assertThat(ClickHouseColumnType.parse("LowCardinality(Nullable(String))").logical("")).isEqualTo(LogicalType.STRING);
        assertThat(ClickHouseColumnType.parse("Nullable(String)").logical("fanout:bytes")).isEqualTo(LogicalType.BYTES);
        assertThat(ClickHouseColumnType.parse("Bool").logical(null)).isEqualTo(LogicalType.BOOLEAN);
        assertThat(ClickHouseColumnType.parse("UInt8").logical("")).isNull();
        assertThat(ClickHouseColumnType.parse("DateTime64(3)").logical(null)).isNull();
    }

    @Test
    void somethingElseIsRefused() {
        assertThatThrownBy(() -> ClickHouseServerVersion.parse("Code: 516")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a ClickHouse version");
    }
}
