package dev.magnet.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.gateway.ModelCall;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class ModelPricesTest {

    @Test
    void a_call_costs_its_input_output_and_cache_tokens_at_the_models_list_price() {
        // opus 4.6: $5 in, $25 out per million; cache writes 1.25x input, reads 0.1x input
        ModelCall call = new ModelCall("claude-opus-4-6", 1_000_000, 100_000, 200_000, 1_000_000);

        assertThat(ModelPrices.cost(call)).isEqualByComparingTo(new BigDecimal("5.00").add(new BigDecimal("2.50"))
                .add(new BigDecimal("1.25")).add(new BigDecimal("0.50")));
    }

    @Test
    void the_most_specific_family_wins_and_dated_ids_are_priced_like_their_family() {
        assertThat(ModelPrices.price("claude-opus-4-5-20251101").input()).isEqualTo(5);
        assertThat(ModelPrices.price("claude-opus-4-1-20250805").input()).isEqualTo(15);
        assertThat(ModelPrices.price("claude-sonnet-4-5-20250929").output()).isEqualTo(15);
        assertThat(ModelPrices.price("claude-3-5-haiku-latest").input()).isEqualTo(0.8);
    }

    @Test
    void a_model_nobody_priced_costs_as_much_as_the_dearest_so_no_budget_is_overrun_by_it() {
        assertThat(ModelPrices.cost(new ModelCall("some-new-model", 1_000_000, 0, 0, 0)))
                .isEqualByComparingTo(new BigDecimal("15"));
        assertThat(ModelPrices.cost(new ModelCall("claude-opus-4-6", 1, 0, 0, 0)))
                .as("rounded up to the micro-dollar").isEqualByComparingTo(new BigDecimal("0.000005"));
    }
}
