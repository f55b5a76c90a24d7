package olympus.render;

import java.util.List;

/** A topology file that cannot be used: every problem found, each naming its field and what to do. */
public final class TopologyFileException extends RuntimeException {
    private final List<String> problems;

    public TopologyFileException(String source, List<String> problems) {
        super(source + ": " + problems.size() + (problems.size() == 1 ? " problem" : " problems") + "\n  "
                + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
