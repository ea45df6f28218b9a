package dev.fanout.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WriteOutcomeTest {

    @Test
    void skippedIsWhatWasReceivedAndNotApplied() {
        WriteOutcome counted = WriteOutcome.counted(10, 7);
        assertThat(counted.reported()).isTrue();
        assertThat(counted.applied()).hasValue(7);
        assertThat(counted.skipped()).hasValue(3);
    }

    @Test
    void aWriteThatWasNotCountedHasNeitherAppliedNorSkipped() {
        WriteOutcome unreported = WriteOutcome.unreported(10);
        assertThat(unreported.reported()).isFalse();
        assertThat(unreported.received()).isEqualTo(10);
        assertThat(unreported.applied()).isEmpty();
        assertThat(unreported.skipped()).isEmpty();
    }

    @Test
    void moreAppliedThanReceivedOrNegativeCountsAreRefused() {
        assertThatThrownBy(() -> WriteOutcome.counted(2, 3)).hasMessageContaining("applied 3 is not between 0 and received 2");
        assertThatThrownBy(() -> WriteOutcome.counted(2, -1)).hasMessageContaining("applied -1");
        assertThatThrownBy(() -> WriteOutcome.unreported(-1)).hasMessageContaining("received -1");
    }
}
