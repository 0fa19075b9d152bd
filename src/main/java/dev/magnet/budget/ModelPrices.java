package dev.magnet.budget;

import dev.magnet.gateway.ModelCall;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * What model requests cost, in US dollars per million tokens, by model family (Anthropic's list prices; writing to
 * the prompt cache costs 1.25 times the input price, reading from it a tenth). A model this table does not know is
 * priced as the dearest it knows, so a budget is never overrun by a model Magnet cannot price.
 */
public final class ModelPrices {
    /** Input and output price per million tokens of the models whose id starts with {@code prefix}. */
    record Price(String prefix, double input, double output) {
    }

    // why: most specific prefix first; ids are e.g. claude-opus-4-6, claude-sonnet-4-5-20250929, claude-3-5-haiku-latest
    private static final List<Price> PRICES = List.of(
            new Price("claude-opus-4-5", 5, 25),
            new Price("claude-opus-4-6", 5, 25),
            new Price("claude-opus-4-7", 5, 25),
            new Price("claude-opus-4", 15, 75),
            new Price("claude-3-opus", 15, 75),
            new Price("claude-sonnet-4", 3, 15),
            new Price("claude-3-7-sonnet", 3, 15),
            new Price("claude-3-5-sonnet", 3, 15),
            new Price("claude-haiku-4-5", 1, 5),
            new Price("claude-3-5-haiku", 0.8, 4),
            new Price("claude-3-haiku", 0.25, 1.25));
    private static final Price DEAREST = new Price("", 15, 75);
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    private ModelPrices() {
    }

    /** What {@code call} cost, in US dollars, to the micro-dollar. */
    public static BigDecimal cost(ModelCall call) {
        Price p = price(call.model());
        BigDecimal input = BigDecimal.valueOf(p.input());
        BigDecimal tokens = input.multiply(BigDecimal.valueOf(call.inputTokens()))
                .add(BigDecimal.valueOf(p.output()).multiply(BigDecimal.valueOf(call.outputTokens())))
                .add(input.multiply(BigDecimal.valueOf(1.25)).multiply(BigDecimal.valueOf(call.cacheWriteTokens())))
                .add(input.multiply(BigDecimal.valueOf(0.1)).multiply(BigDecimal.valueOf(call.cacheReadTokens())));
        return tokens.divide(MILLION, 6, RoundingMode.UP);
    }

    static Price price(String model) {
        for (Price p : PRICES) {
            if (model.startsWith(p.prefix())) {
                return p;
            }
        }
        return DEAREST;
    }
}
