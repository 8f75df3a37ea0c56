from app.generated.billing.change_plan import ChangePlanInput

ChangePlanInput(plan="team")  # E: call-arg
