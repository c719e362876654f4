import { MemoryPubSub } from "../../src/pubsub/memory.js";
import { pubSubContract } from "../support/pubsub_contract.js";

pubSubContract("MemoryPubSub", async () => new MemoryPubSub());
