package olympus.agent.http;

import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import olympus.agent.app.Agent;

import java.util.Map;

/** What the agent knows right now: role, quorum age, self-fence state and last decision, highest token. */
@Controller("/agent")
public class AgentController {
    private final Agent agent;

    AgentController(Agent agent) {
        this.agent = agent;
    }

    @Get
    Map<String, Object> status() {
        return agent.describe();
    }
}
