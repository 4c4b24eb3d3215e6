"""What the assistant knows when it answers: the transcript, the customer's orders and the
knowledge base articles that match the question. Read before the provider is called, outside
any lock.

Orders are read only for customers the shop vouched for (``customer_verified``): anyone may
start a conversation with any user id, so for the others no order is ever read, and no
provider can reveal one."""

from support.conversations import selectors
from support.conversations.models import SupportConversation, SupportMessage
from support.knowledge.search import search
from support.orders.models import Order
from support.orders.services import order_numbers_in, orders_for

from .intents import Intent, IntentPrediction
from .nlu.rules import is_about_own_order
from .providers import KnowledgeFact, OrderFact, ReplyContext


def order_fact(order: Order) -> OrderFact:
    return OrderFact(
        order_number=order.order_number,
        status=order.status,
        items=[str(item.get("name", "")) for item in order.items if isinstance(item, dict)],
        total_rupees=f"{order.total_rupees:.2f}",
        payment_method=order.payment_method,
        placed_on=order.placed_at.date(),
        expected_delivery=order.expected_delivery,
        delivered_on=order.delivered_at.date() if order.delivered_at else None,
    )


def build_context(
    conversation: SupportConversation, message: SupportMessage, prediction: IntentPrediction
) -> ReplyContext | None:
    """None when the conversation has left `open` meanwhile: the assistant stays silent."""
    history = selectors.assistant_history(conversation.conversation_id)
    if history is None:
        return None
    mentioned = order_numbers_in(message.text)
    own = (
        bool(mentioned)
        or prediction.intent == Intent.ORDER_STATUS
        or is_about_own_order(message.text)
    )
    if not mentioned and own:
        # "when will it arrive?" after naming an order: the last order named in the chat.
        # A question about a policy alone ("how do refunds work?") carries none over.
        earlier = [n for who, text in history if who == "user" for n in order_numbers_in(text)]
        mentioned = earlier[-1:]
    verified = conversation.customer_verified
    orders = orders_for(user_id=conversation.user_id, numbers=mentioned) if verified and own else []
    snippets = search(text=message.text, intent=prediction.intent, language=conversation.language)
    return ReplyContext(
        conversation_id=str(conversation.conversation_id),
        user_id=conversation.user_id,
        customer_verified=verified,
        language=conversation.language,
        text=message.text,
        prediction=prediction,
        history=history,
        orders=[order_fact(order) for order in orders],
        order_numbers_mentioned=mentioned,
        about_own_order=own,
        knowledge=[KnowledgeFact(s.slug, s.title, s.text) for s in snippets],
    )
