package dev.magnet.session;

import dev.magnet.config.Quotas;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The order in which sessions waiting for a run slot are taken: fair across people, so one person's fifty sessions
 * do not all run before everyone else's. The next is always the oldest session of whoever runs the fewest sessions
 * (counting those taken before it in this order); between people running equally many, whoever was served longest
 * ago (never is longest), so people take turns. A session whose person or workspace is at its quota waits until a
 * slot of theirs frees. A pure function over what is waiting and what runs.
 */
public final class RunQueue {
    private RunQueue() {
    }

    /** A session waiting for a run slot, oldest first by id. */
    public record Waiting(String id, String workspaceId, String authorId) {
    }

    /**
     * How many sessions run now, by workspace and by person, and when a runner last took a session of each person
     * (absent: never).
     */
    public record Running(Map<String, Integer> byWorkspace, Map<String, Integer> byAuthor, Map<String, Instant> lastServed) {
        public Running {
            byWorkspace = Map.copyOf(byWorkspace);
            byAuthor = Map.copyOf(byAuthor);
            lastServed = Map.copyOf(lastServed);
        }

        /** Nothing runs and nobody was served. */
        public static Running none() {
            return new Running(Map.of(), Map.of(), Map.of());
        }
    }

    /**
     * The waiting sessions in the order they will run: those that may run now first (fair order), then those held
     * back by a quota (in the same fair order).
     */
    public static List<Waiting> order(List<Waiting> waiting, Running running, Quotas quotas) {
        Map<String, Integer> byWorkspace = new HashMap<>(running.byWorkspace());
        Map<String, Integer> byAuthor = new HashMap<>(running.byAuthor());
        Map<String, Long> served = new HashMap<>();
        running.lastServed().forEach((author, at) -> served.put(author, at.toEpochMilli()));
        long turn = Long.MAX_VALUE / 2;
        Map<String, List<Waiting>> queues = new LinkedHashMap<>();
        for (Waiting w : waiting) {
            queues.computeIfAbsent(w.authorId(), a -> new ArrayList<>()).add(w);
        }
        List<Waiting> now = new ArrayList<>();
        List<Waiting> held = new ArrayList<>();
        while (!queues.isEmpty()) {
            String next = null;
            for (Map.Entry<String, List<Waiting>> q : queues.entrySet()) {
                if (next == null || before(q, next, queues.get(next), byAuthor, served)) {
                    next = q.getKey();
                }
            }
            List<Waiting> theirs = queues.get(next);
            Waiting w = theirs.removeFirst();
            if (theirs.isEmpty()) {
                queues.remove(next);
            }
            boolean capped = (quotas.perUser() > 0 && byAuthor.getOrDefault(w.authorId(), 0) >= quotas.perUser())
                    || (quotas.perWorkspace() > 0 && byWorkspace.getOrDefault(w.workspaceId(), 0) >= quotas.perWorkspace());
            if (capped) {
                held.add(w);
            } else {
                now.add(w);
            }
            byAuthor.merge(w.authorId(), 1, Integer::sum);
            byWorkspace.merge(w.workspaceId(), 1, Integer::sum);
            served.put(w.authorId(), turn++);
        }
        now.addAll(held);
        return now;
    }

    /** The sessions that may be taken now, in order (none held back by a quota). */
    public static List<Waiting> runnable(List<Waiting> waiting, Running running, Quotas quotas) {
        List<Waiting> ordered = order(waiting, running, quotas);
        Map<String, Integer> byWorkspace = new HashMap<>(running.byWorkspace());
        Map<String, Integer> byAuthor = new HashMap<>(running.byAuthor());
        List<Waiting> out = new ArrayList<>();
        for (Waiting w : ordered) {
            boolean capped = (quotas.perUser() > 0 && byAuthor.getOrDefault(w.authorId(), 0) >= quotas.perUser())
                    || (quotas.perWorkspace() > 0 && byWorkspace.getOrDefault(w.workspaceId(), 0) >= quotas.perWorkspace());
            if (!capped) {
                out.add(w);
                byAuthor.merge(w.authorId(), 1, Integer::sum);
                byWorkspace.merge(w.workspaceId(), 1, Integer::sum);
            }
        }
        return out;
    }

    /** Each waiting session's place in the queue, from 1. */
    public static Map<String, Integer> positions(List<Waiting> waiting, Running running, Quotas quotas) {
        Map<String, Integer> positions = new HashMap<>();
        List<Waiting> ordered = order(waiting, running, quotas);
        for (int i = 0; i < ordered.size(); i++) {
            positions.put(ordered.get(i).id(), i + 1);
        }
        return positions;
    }

    /**
     * True when the person of queue {@code a} goes before {@code current}'s: runs fewer sessions, or as many and was
     * served longer ago, or both alike and has the older session waiting.
     */
    private static boolean before(Map.Entry<String, List<Waiting>> a, String currentAuthor, List<Waiting> current,
                                  Map<String, Integer> byAuthor, Map<String, Long> served) {
        int mine = byAuthor.getOrDefault(a.getKey(), 0);
        int theirs = byAuthor.getOrDefault(currentAuthor, 0);
        if (mine != theirs) {
            return mine < theirs;
        }
        long myTurn = served.getOrDefault(a.getKey(), Long.MIN_VALUE);
        long theirTurn = served.getOrDefault(currentAuthor, Long.MIN_VALUE);
        if (myTurn != theirTurn) {
            return myTurn < theirTurn;
        }
        return a.getValue().getFirst().id().compareTo(current.getFirst().id()) < 0;
    }
}
